"""Errors a service raises when it refuses; the web and API layers turn them into pages/JSON.

Messages are English message ids, marked with ``N_`` so that Babel extracts them; the web
layer translates them into the reader's language.
"""

from __future__ import annotations

from typing import Any


def N_(message: str) -> str:
    """Mark a message for translation without translating it now."""
    return message


class DomainError(Exception):
    status = 400
    code = "bad_request"
    # Seconds after which trying again may succeed (sent as Retry-After), or None.
    retry_after: int | None = None

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        keep_changes: bool = False,
        details: dict[str, Any] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.field = field
        # True when what the service wrote before refusing must still be committed
        # (a failed login counts towards the lock).
        self.keep_changes = keep_changes
        # More about the refusal for API clients, added to the error object (a stale
        # base's changed keys, say).
        self.details = details or {}
        if code is not None:
            self.code = code


class Unauthenticated(DomainError):
    status = 401
    code = "not_authenticated"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class StateConflict(DomainError):
    """409: the request conflicts with the current state (a wrong status, a name taken,
    a form sent twice). Not to be confused with ``AmendmentConflict`` (a stored pair of
    conflicting amendments) or ``MergeConflict`` (a region a three-way merge could not
    join)."""

    status = 409
    code = "conflict"


class Invalid(DomainError):
    status = 422
    code = "invalid"


class Throttled(DomainError):
    status = 429
    code = "throttled"


class Busy(DomainError):
    """503: the server is too busy to do this now (the database's write lock stayed taken,
    or too many requests of this kind are in progress); nothing was written."""

    status = 503
    code = "busy"
    retry_after = 2

    def __init__(self, message: str = "", *, retry_after: int = 2) -> None:
        super().__init__(
            message or N_("The platform is busy. Nothing was saved; please try again in a moment.")
        )
        self.retry_after = retry_after
