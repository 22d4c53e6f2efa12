"""What every request body model shares: no NUL characters anywhere in it.

PostgreSQL refuses NUL in text and other tools cut strings at it, so a NUL that got stored would
surface later as a server error or a silently shortened name. Bodies are refused up front (422);
paths and query strings with a NUL are refused by ``RefuseNul``.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, model_validator
from starlette.responses import JSONResponse

NUL_MESSAGE = "Thông tin gửi lên chứa ký tự không hợp lệ (NUL)."


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_nul(v) for v in value)
    return False


class Input(BaseModel):
    """Base of request bodies."""

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        if _has_nul(data):
            raise ValueError("NUL characters are not allowed")
        return data


class RefuseNul:
    """ASGI middleware: a path or query string carrying a NUL (%00) is refused with 422."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            raw = scope.get("raw_path", b"") + b"?" + scope.get("query_string", b"")
            if b"%00" in raw or b"\x00" in raw or "\x00" in scope["path"]:
                response = JSONResponse({"code": "invalid_request", "message": NUL_MESSAGE}, status_code=422)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
