"""Every error leaves the API as JSON {code, message}: English code, Vietnamese message."""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from core import errors
from core.errors import Rejected

log = logging.getLogger(__name__)

# The one place a domain refusal becomes an HTTP status. The most specific kind comes first.
STATUS: tuple[tuple[type[Rejected], int], ...] = (
    (errors.Unprocessable, 422),
    (errors.Invalid, 400),
    (errors.Unauthenticated, 401),
    (errors.Forbidden, 403),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.Gone, 410),
    (errors.TooLarge, 413),
    (errors.Unsupported, 415),
    (errors.Throttled, 429),
    (errors.Unavailable, 503),
)


def status_of(exc: Rejected) -> int:
    return next(status for kind, status in STATUS if isinstance(exc, kind))


def headers_of(exc: Rejected) -> dict[str, str] | None:
    if isinstance(exc, errors.Unauthenticated):
        return {"WWW-Authenticate": "Bearer"}
    if isinstance(exc, errors.Throttled):
        return {"Retry-After": str(exc.retry_after)}
    return None


_HTTP_CODES = {
    404: ("not_found", "Không tìm thấy địa chỉ yêu cầu."),
    405: ("method_not_allowed", "Phương thức không được hỗ trợ cho địa chỉ này."),
    413: ("request_too_large", "Yêu cầu vượt quá dung lượng cho phép."),
}


def install(app: FastAPI) -> None:
    @app.exception_handler(Rejected)
    async def rejected(_: Request, exc: Rejected) -> JSONResponse:
        return JSONResponse(exc.to_json(), status_code=status_of(exc), headers=headers_of(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [{"field": ".".join(str(p) for p in e["loc"][1:]), "problem": e["msg"]} for e in exc.errors()]
        return JSONResponse(
            {"code": "invalid_request", "message": "Thông tin gửi lên chưa đúng hoặc còn thiếu.", "details": details},
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, message = _HTTP_CODES.get(exc.status_code, ("http_error", str(exc.detail)))
        return JSONResponse({"code": code, "message": message}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse(
            {"code": "internal_error", "message": "Lỗi hệ thống. Vui lòng thử lại hoặc báo quản trị viên."},
            status_code=500,
        )
