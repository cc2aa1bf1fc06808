"""Shared fixtures: a fresh, migrated chemassist database (SQLite, and PostgreSQL when CI provides one)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from app.db import migrate
from app.db.engine import engine_for
from app.services import accounts
from app.services.identity import Account
from app.settings import reset_settings_cache

POSTGRES_URL = os.environ.get("CHEMASSIST_TEST_POSTGRES_URL", "")


@pytest.fixture(autouse=True)
def _restore_main_module() -> Iterator[None]:
    """Streamlit's AppTest runs page scripts as `__main__`; put the real one back, or process pools started
    later (forkserver/spawn re-import `__main__` in each worker) would run a page script in their workers."""
    main = sys.modules.get("__main__")
    yield
    if main is not None:
        sys.modules["__main__"] = main


def postgres_or_skip() -> str:
    """The PostgreSQL URL started by .ci/run; skipped locally when absent, a failure on CI."""
    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must provide CHEMASSIST_TEST_POSTGRES_URL (.ci/run starts PostgreSQL)")
        pytest.skip("PostgreSQL not running here: set CHEMASSIST_TEST_POSTGRES_URL (see .ci/run)")
    return POSTGRES_URL


def reset_postgres(url: str) -> None:
    with engine_for(url).begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty data dir that chemassist settings point at (no database yet)."""
    monkeypatch.setenv("CHEMASSIST_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("CHEMASSIST_DATABASE_URL", raising=False)
    monkeypatch.delenv("CHEMASSIST_LLM_BASE_URL", raising=False)
    reset_settings_cache()
    yield tmp_path / "var"
    reset_settings_cache()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A migrated database on each backend; services use it through settings."""
    if request.param == "postgres":
        url = postgres_or_skip()
        reset_postgres(url)
        monkeypatch.setenv("CHEMASSIST_DATABASE_URL", url)
    else:
        url = f"sqlite:///{data_dir / 'chemassist.db'}"
    reset_settings_cache()
    migrate.upgrade(url)
    yield url
    engine_for(url).dispose()


@pytest.fixture
def sqlite_db(data_dir: Path) -> str:
    """A migrated SQLite database only (for tests that need no second backend)."""
    url = f"sqlite:///{data_dir / 'chemassist.db'}"
    migrate.upgrade(url)
    return url


@pytest.fixture
def bob(sqlite_db: str) -> Account:
    """A chemist signed up on a fresh SQLite database (the pages' tests act as him)."""
    return accounts.create_user("bob", "correct horse battery")
