"""Refusals a clerk can act on: an English code for programs, a Vietnamese message for people."""
from __future__ import annotations


class Rejected(Exception):
    """A request refused before anything was stored. Maps to a 4xx JSON error {code, message}."""

    def __init__(self, status: int, code: str, message: str, *, filename: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.headers = headers
        self.status = status
        self.code = code
        self.message = message
        self.filename = filename

    def to_json(self) -> dict[str, str]:
        body = {"code": self.code, "message": self.message}
        if self.filename is not None:
            body["filename"] = self.filename
        return body


def bad_request(code: str, message: str, **kw) -> Rejected:
    return Rejected(400, code, message, **kw)


def not_found(code: str, message: str) -> Rejected:
    return Rejected(404, code, message)
