"""Exceptions raised by serve/: each message says what was wrong and what to do about it."""

from __future__ import annotations


class ServeError(Exception):
    """Base class for serving errors; the message is written for the lab's admin."""


class CatalogError(ServeError):
    """The model catalog YAML is missing, malformed or inconsistent."""


class ClusterError(ServeError):
    """The cluster inventory YAML is missing, malformed or inconsistent."""


class UnknownRole(ServeError):
    """No model or adapter in the catalog serves the requested role."""


class DoesNotFit(ServeError):
    """A model does not fit the GPUs it was given."""


class LaunchError(ServeError):
    """A backend could not be started: missing binary, port in use, never became healthy."""


class NotRunning(ServeError):
    """The named backend is not running (no state file, or its supervisor is gone)."""
