"""Refusals a clerk can act on: an English code for programs, a Vietnamese message for people.

Domain code raises one of the kinds below; only the API layer turns a kind into an HTTP status
(api/errors.py keeps that table), and the CLI prints the message.
"""
from __future__ import annotations


class Rejected(Exception):
    """A request refused before anything was stored."""

    def __init__(self, code: str, message: str, *, filename: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.filename = filename

    def to_json(self) -> dict[str, str]:
        body = {"code": self.code, "message": self.message}
        if self.filename is not None:
            body["filename"] = self.filename
        return body


class Invalid(Rejected):
    """The input itself is wrong: a malformed value, a missing reason, an unknown code."""


class Unprocessable(Invalid):
    """Well-formed input whose content fails its rules as a whole (a code catalog with bad rows)."""


class NotFound(Rejected):
    """The thing named does not exist (or is not visible to the caller)."""


class Conflict(Rejected):
    """The input is fine but the record's current state does not allow it."""


class Forbidden(Rejected):
    """The caller is known but may not do this."""


class Unauthenticated(Rejected):
    """No valid sign-in."""


class Gone(Rejected):
    """The thing existed and was removed for good (disposed at the end of its retention)."""


class TooLarge(Rejected):
    """A file, a page count or a request over its limit."""


class Unsupported(Rejected):
    """Content of a kind the service does not take."""


class Unavailable(Rejected):
    """A prerequisite of the service is missing (no code catalog in force, an engine down)."""


class Throttled(Rejected):
    """Too many attempts; try again after ``retry_after`` seconds."""

    def __init__(self, code: str, message: str, *, retry_after: int) -> None:
        super().__init__(code, message)
        self.retry_after = retry_after
