"""Domain errors: each carries a message fit to show a user."""

from __future__ import annotations


class C360Error(Exception):
    """Base of every error whose message is meant for the user."""


class NotFound(C360Error):
    """The thing asked for does not exist."""


class ValidationError(C360Error):
    """Input was refused; nothing was written."""


class Conflict(C360Error):
    """The write would break a uniqueness or state rule; nothing was written."""


class PermissionDenied(C360Error):
    """The acting staff member may not do this."""


class DatabaseUnavailable(C360Error):
    """The database could not be reached; nothing was written."""
