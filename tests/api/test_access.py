"""Access control: every route declares its roles; anonymous and wrong-role calls are refused."""
from __future__ import annotations

import re
from datetime import timedelta

import jwt
import pytest
from fastapi.routing import APIRoute

from catalog.users import Role, User, issue_api_key
from core.clock import utcnow
from tests.conftest import ROLES, auth_header

PUBLIC = {("POST", "/api/v1/auth/token"), ("GET", "/healthz"), ("POST", "/api/v1/setup/admin"),
          ("GET", "/api/v1/catalog/procedures"),
          ("GET", "/readyz")}  # probes: no data


def allowed_roles(route: APIRoute) -> frozenset[str] | None:
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        roles = getattr(dep.call, "allowed_roles", None)
        if roles is not None:
            return roles
        stack.extend(dep.dependencies)
    return None


def api_routes(routes):
    """All APIRoutes, looking inside included routers (newer FastAPI wraps them)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from api_routes(route.original_router.routes)


def schema_routes(app):
    paths = app.openapi()["paths"]
    found = [(m, r) for r in api_routes(app.routes) if r.path in paths for m in r.methods]
    assert {r.path for _, r in found} == set(paths), "every documented path is walked"
    return found


def test_every_route_in_the_schema_declares_roles(client):
    missing = [(m, r.path) for m, r in schema_routes(client.app)
               if (m, r.path) not in PUBLIC and allowed_roles(r) is None]
    assert not missing, f"routes without a role check: {missing}"


def test_every_route_refuses_anonymous_and_wrong_roles(client):
    tokens = {role: auth_header(client, f"{role}1") for role in ROLES}
    checked = 0
    for method, route in schema_routes(client.app):
        if (method, route.path) in PUBLIC:
            continue
        url = re.sub(r"\{[^}]+\}", "x", route.path)
        r = client.request(method, url, headers={"Authorization": ""})
        assert r.status_code == 401, (method, url, r.status_code)
        assert r.json()["code"] == "not_authenticated"
        for role in set(ROLES) - allowed_roles(route):
            r = client.request(method, url, headers=tokens[role])
            assert r.status_code == 403, (method, url, role, r.status_code)
            assert r.json()["code"] == "forbidden"
        checked += 1
    assert checked >= 5


def test_bad_password_and_bad_tokens_are_refused(client):
    r = client.post("/api/v1/auth/token", data={"username": "counter1", "password": "sai"})
    assert r.status_code == 401 and r.json()["code"] == "invalid_credentials"
    key = client.app.state.services.secret_key
    expired = jwt.encode({"sub": "counter1", "exp": utcnow() - timedelta(minutes=1)}, key, algorithm="HS256")
    forged = jwt.encode({"sub": "admin1", "exp": utcnow() + timedelta(minutes=5)}, "not-the-key-but-long-enough-for-hs256-rules", algorithm="HS256")
    for token in (expired, forged, "garbage"):
        r = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401


def test_api_keys_work_until_revoked(client):
    services = client.app.state.services
    with services.db.session() as s:
        user = s.query(User).filter_by(username="handler1").one()
        key = issue_api_key(s, user, "portal sync")
    no_bearer = {"Authorization": ""}
    r = client.get("/api/v1/auth/me", headers={**no_bearer, "X-API-Key": key})
    assert r.status_code == 200 and r.json()["role"] == Role.handler.value
    assert client.get("/api/v1/auth/me", headers={**no_bearer, "X-API-Key": key[:-2] + "xx"}).status_code == 401
    from catalog.users import ApiKey

    with services.db.session() as s:
        s.query(ApiKey).one().revoked_at = utcnow()
    assert client.get("/api/v1/auth/me", headers={**no_bearer, "X-API-Key": key}).status_code == 401


@pytest.mark.parametrize("role,status", [("counter", 201), ("handler", 201), ("archivist", 403), ("admin", 201)])
def test_only_intake_roles_open_dossiers(client, role, status):
    r = client.post("/api/v1/dossiers", headers=auth_header(client, f"{role}1"),
                    json={"procedure_code": "1.000456", "owner": {"personal_id": "001203004567"}})
    assert r.status_code == status
