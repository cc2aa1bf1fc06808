"""Streamlit pages run headless with AppTest, as a signed-in user sees them."""

from __future__ import annotations

from typing import Any

from streamlit.testing.v1 import AppTest

from app.services.identity import Account
from app.settings import PROJECT_ROOT

PAGES = PROJECT_ROOT / "pages"


def open_page(name: str, account: Account, timeout_s: float = 60, **state: Any) -> AppTest:
    """Run pages/<name>.py once for `account`, with the given session state set before the run."""
    at = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=timeout_s)
    at.session_state["account"] = account
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()
