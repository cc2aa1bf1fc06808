"""One way for pages to show failures: an error box with a message the user can act on, never a traceback."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from app.errors import ChemassistError
from app.ui.text import escape

log = logging.getLogger(__name__)


@contextmanager
def reported(what: str) -> Iterator[None]:
    """Show a failure inside the block as an error box (never a traceback); the rest of the page goes on."""
    try:
        yield
    except ChemassistError as exc:
        st.error(escape(str(exc)), icon=":material/error:")
    except Exception:
        log.exception("%s failed", what)
        st.error(f"{what} failed unexpectedly. The details are in the server log.", icon=":material/error:")
