"""Errors the services raise; the UI and CLI turn them into clear messages (no stack traces for users)."""


class ChemassistError(Exception):
    """Base class: the message is written for the person using the app."""


class ValidationFailed(ChemassistError):
    """The input is not acceptable (empty title, duplicate username, weak password...)."""


class NotFound(ChemassistError):
    """The thing does not exist, or the current user may not see it (we do not say which)."""


class PermissionDenied(ChemassistError):
    """The current user may see the thing but not do this to it."""


class AccountDisabled(PermissionDenied):
    """The acting account was deactivated or deleted since it signed in: it may do nothing more."""


class AuthenticationFailed(ChemassistError):
    """Wrong username or password; deliberately says nothing about which."""


class TooManyAttempts(AuthenticationFailed):
    """Repeated failures: the caller must wait before trying again."""

    def __init__(self, wait_seconds: int):
        self.wait_seconds = wait_seconds
        super().__init__(f"Too many failed sign-in attempts. Wait {wait_seconds} s and try again.")


class DatabaseUnavailable(ChemassistError):
    """The database is locked, unreachable or not migrated."""
