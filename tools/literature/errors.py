"""Exceptions of the literature library; each message says what was wrong and what to do."""

from __future__ import annotations


class LiteratureError(Exception):
    """Base class: the message is written for the person using the library."""


class UnsupportedFormat(LiteratureError):
    """The file type is not one the library reads."""


class DocumentUnreadable(LiteratureError):
    """The file could not be parsed (corrupt, empty, encrypted or image-only PDF, malformed records)."""


class FileTooLarge(LiteratureError):
    """The file is over the configured size limit."""


class StoreUnavailable(LiteratureError):
    """The Milvus store could not be opened or reached."""
