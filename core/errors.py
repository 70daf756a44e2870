"""The one exception type for refusals of the domain.

Services raise it with a Vietnamese message (through gettext); the API handler turns it into a JSON
400/403/409, the page views into a form error or a message, commands into a CLI error.
"""

from __future__ import annotations


class DomainError(Exception):
    """A refused action. `status` is the HTTP status the API answers with."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = str(message)
        self.field = field
        self.code = code


class PermissionDenied(DomainError):
    status = 403


class Conflict(DomainError):
    """A stale version or a state that changed under the caller."""

    status = 409
