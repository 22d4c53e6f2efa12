"""Admin API for users, API keys and offices: admins only, every change audited, no lock-out."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog.accounts import UserChange, change_user
from catalog.audit import AuditEntry
from catalog.users import Role
from core.errors import Rejected
from sohoa.cli_support import cli_actor
from tests.conftest import PASSWORD

USERS = "/api/v1/admin/users"


def test_an_admin_creates_changes_and_deactivates_a_user(client, as_user):
    h = as_user("admin1")
    r = client.post(USERS, json={"username": "quay7", "password": "mot-mat-khau-dai", "role": "counter",
                                 "office_code": "PT07", "full_name": "Lê Thị Hoa"}, headers=h)
    assert r.status_code == 201, r.text
    assert r.json() == {**r.json(), "username": "quay7", "role": "counter", "office_code": "PT07", "active": True}
    assert "password" not in r.text and "hash" not in r.text
    login = client.post("/api/v1/auth/token", data={"username": "quay7", "password": "mot-mat-khau-dai"})
    token = {"Authorization": f"Bearer {login.json()['access_token']}"}
    assert client.get("/api/v1/auth/me", headers=token).json()["role"] == "counter"

    r = client.patch(f"{USERS}/quay7", json={"role": "handler", "office_code": "PT02"}, headers=h)
    assert (r.json()["role"], r.json()["office_code"]) == ("handler", "PT02")
    assert client.get("/api/v1/auth/me", headers=token).status_code == 401  # a token of the old rights is dead
    login = client.post("/api/v1/auth/token", data={"username": "quay7", "password": "mot-mat-khau-dai"})
    token = {"Authorization": f"Bearer {login.json()['access_token']}"}
    assert client.get("/api/v1/auth/me", headers=token).json()["role"] == "handler"
    assert client.patch(f"{USERS}/quay7", json={"active": False}, headers=h).json()["active"] is False
    assert client.get("/api/v1/auth/me", headers=token).status_code == 401
    assert [u["username"] for u in client.get(USERS, params={"active": False}, headers=h).json()] == ["quay7"]
    assert {o["code"] for o in client.get("/api/v1/admin/offices", headers=h).json()} >= {"PT01", "PT02", "PT07"}
    r = client.put("/api/v1/admin/offices/PT07", json={"name": "BHXH huyện Thanh Thủy"}, headers=h)
    assert r.json() == {"code": "PT07", "name": "BHXH huyện Thanh Thủy", "province_code": None}

    with client.app.state.services.db.session() as s:
        changes = [(e.action, e.object_id) for e in s.scalars(
            select(AuditEntry).where(AuditEntry.action.in_(["user.create", "user.change", "office.set"]))
            .order_by(AuditEntry.id))]
    assert changes[-4:] == [("user.create", "quay7"), ("user.change", "quay7"), ("user.change", "quay7"),
                            ("office.set", "PT07")]


def test_passwords_are_reset_and_checked(client, as_user):
    h = as_user("admin1")
    assert client.patch(f"{USERS}/counter1", json={"password": "ngan"}, headers=h).status_code == 422
    assert client.patch(f"{USERS}/counter1", json={"password": "mat-khau-moi-123"}, headers=h).status_code == 200
    assert client.post("/api/v1/auth/token", data={"username": "counter1", "password": PASSWORD}).status_code == 401
    assert client.post("/api/v1/auth/token", data={"username": "counter1",
                                                   "password": "mat-khau-moi-123"}).status_code == 200
    assert client.post(USERS, json={"username": "counter1", "password": "mot-mat-khau-dai", "role": "counter",
                                    "office_code": "PT01"}, headers=h).json()["code"] == "user_exists"


def test_admins_cannot_lock_themselves_or_the_system_out(client, as_user):
    h = as_user("admin1")
    for change in ({"active": False}, {"role": "archivist"}):
        r = client.patch(f"{USERS}/admin1", json=change, headers=h)
        assert r.status_code == 409 and r.json()["code"] == "self_lockout"
    client.post(USERS, json={"username": "admin2", "password": "mot-mat-khau-dai", "role": "admin",
                             "office_code": "PT01"}, headers=h)
    assert client.patch(f"{USERS}/admin2", json={"active": False}, headers=h).status_code == 200

    with client.app.state.services.db.session() as s, pytest.raises(Rejected) as refused:
        change_user(s, cli_actor(), "admin1", UserChange(role=Role.handler))
    assert refused.value.code == "last_admin"


def test_api_keys_are_issued_once_listed_without_secret_and_revoked(client, as_user):
    h = as_user("admin1")
    r = client.post(f"{USERS}/handler1/api-keys", json={"name": "Cổng DVC"}, headers=h)
    assert r.status_code == 201
    key, prefix = r.json()["key"], r.json()["prefix"]
    machine = {"Authorization": "", "X-API-Key": key}
    assert client.get("/api/v1/auth/me", headers=machine).json()["username"] == "handler1"
    listed = client.get(f"{USERS}/handler1/api-keys", headers=h).json()
    assert listed == [{"prefix": prefix, "name": "Cổng DVC", "created_at": listed[0]["created_at"],
                       "revoked_at": None, "expires_at": None}]
    assert key.split("_", 2)[2] not in client.get(f"{USERS}/handler1/api-keys", headers=h).text
    assert client.delete(f"/api/v1/admin/api-keys/{prefix}", headers=h).json()["revoked_at"] is not None
    assert client.get("/api/v1/auth/me", headers=machine).status_code == 401
    assert client.delete("/api/v1/admin/api-keys/nope", headers=h).status_code == 404


def test_only_admins_manage_users(client, as_user):
    for role in ("counter", "handler", "archivist"):
        assert client.get(USERS, headers=as_user(f"{role}1")).status_code == 403
