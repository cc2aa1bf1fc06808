"""Serving errors as the app shows them: ValidationFailed with the serving error's own message."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from app.errors import ValidationFailed
from serve.errors import ServeError


@contextlib.contextmanager
def clear_errors() -> Iterator[None]:
    """Serving errors become ValidationFailed (the CLI and UI show their message, no stack trace)."""
    try:
        yield
    except ServeError as exc:
        raise ValidationFailed(str(exc)) from None
