"""Declare in the OpenAPI the refusals each route can answer, so that the schema tells clients the
truth (tests/api/test_fuzz.py checks every status a generated request got against it).

The statuses follow from what a route is: signed-in routes can answer 401 and 403, every route
422 (malformed input, or a NUL anywhere in the request), routes that take input 400 (a rule of
the domain) and 404 (a record named that does not exist), changes 409 (the record's state does
not allow it) and 413 (body over the limit), uploads 415, sign-in 429. A route declaring a
status itself keeps its own description.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel


class ErrorBody(BaseModel):
    code: str
    message: str
    details: list[dict] | None = None


DESCRIPTIONS = {
    400: "Refused by a rule (code and Vietnamese message in the body)",
    401: "Not signed in, or the session has expired",
    403: "The role or the office does not allow this",
    404: "No such record",
    409: "The record's current state does not allow this",
    410: "The record was disposed of",
    413: "The request is over its size limit",
    415: "A file of a kind the service does not take",
    422: "Malformed input",
    429: "Too many attempts; see Retry-After",
}
EXTRA = {
    ("GET", "/api/v1/documents/{document_id}/file"): {409},
    ("GET", "/api/v1/admin/disposal/batches/{batch_id}/certificate"): {409},
    ("GET", "/api/v1/admin/transfer/dossiers/{code}"): {409},  # an original fails its fixity check
    ("GET", "/api/v1/admin/transfer/owners/{ref}"): {409},
    ("POST", "/api/v1/auth/token"): {429},
    ("POST", "/api/v1/setup/admin"): {403},  # only from the machine itself
}
"""Statuses the general rules below do not foresee for a route."""


def _signed_in(route: APIRoute) -> bool:
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if getattr(dep.call, "allowed_roles", None) is not None:
            return True
        stack.extend(dep.dependencies)
    return False


def statuses(route: APIRoute, method: str, operation: dict[str, Any]) -> set[int]:
    found = {422}
    if _signed_in(route):
        found |= {401, 403}
    has_input = bool(route.dependant.path_params or route.dependant.query_params or route.dependant.body_params)
    if has_input:
        found |= {400, 404}
    if method != "GET":
        found |= {400, 404, 409, 413}
    if "document_id" in {p.name for p in route.dependant.path_params}:
        found.add(410)  # a document disposed of at the end of its retention
    if "multipart/form-data" in operation.get("requestBody", {}).get("content", {}):
        found |= {413, 415}  # uploads
    return found | EXTRA.get((method, route.path), set())


def api_routes(routes) -> Iterator[APIRoute]:
    """Every APIRoute, looking inside included routers (newer FastAPI wraps them)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from api_routes(route.original_router.routes)


def declare(app: FastAPI) -> None:
    """Add the error responses to the app's OpenAPI when it is first generated."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        routes = {(m, r.path): r for r in api_routes(app.routes) if r.include_in_schema for m in r.methods}
        schema.setdefault("components", {}).setdefault("schemas", {})["ErrorBody"] = ErrorBody.model_json_schema()
        body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                route = routes.get((method.upper(), path))
                if route is None:
                    continue
                for status in sorted(statuses(route, method.upper(), operation)):
                    operation["responses"].setdefault(str(status), {"description": DESCRIPTIONS[status],
                                                                    "content": body})
        return schema

    app.openapi = openapi
