"""Sessions: tokens are versioned per user (a password, role, office or activity change ends the
old ones), API keys may expire, and the password policy applies to admins' changes."""
from __future__ import annotations

from datetime import timedelta

from catalog.users import ApiKey
from core.clock import utcnow
from tests.conftest import auth_header

USERS = "/api/v1/admin/users"


def test_a_password_change_ends_the_tokens_issued_before(client):
    admin = auth_header(client, "admin1")
    old = auth_header(client, "handler1")
    assert client.get("/api/v1/auth/me", headers=old).status_code == 200
    assert client.patch(f"{USERS}/handler1", headers=admin, json={"password": "mot-mat-khau-moi-dai"}).status_code == 200
    assert client.get("/api/v1/auth/me", headers=old).status_code == 401
    r = client.post("/api/v1/auth/token", data={"username": "handler1", "password": "mot-mat-khau-moi-dai"})
    new = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert client.get("/api/v1/auth/me", headers=new).status_code == 200


def test_deactivation_and_office_change_end_tokens_but_a_name_change_does_not(client):
    admin = auth_header(client, "admin1")
    token = auth_header(client, "archivist1")
    assert client.patch(f"{USERS}/archivist1", headers=admin, json={"full_name": "Trần Văn A"}).status_code == 200
    assert client.get("/api/v1/auth/me", headers=token).status_code == 200
    assert client.patch(f"{USERS}/archivist1", headers=admin, json={"office_code": "PT03"}).status_code == 200
    assert client.get("/api/v1/auth/me", headers=token).status_code == 401
    token = auth_header(client, "archivist1")
    assert client.patch(f"{USERS}/archivist1", headers=admin, json={"active": False}).status_code == 200
    assert client.get("/api/v1/auth/me", headers=token).status_code == 401


def test_the_password_policy_applies_to_admin_changes(client):
    admin = auth_header(client, "admin1")
    for weak in ("handler1handler1", "password1234", "xxxxxxxxxxxxxxxx"):
        r = client.patch(f"{USERS}/handler1", headers=admin, json={"password": weak})
        assert r.status_code == 400 and r.json()["code"] == "weak_password", weak


def test_api_keys_with_an_expiry_stop_working_then(client):
    admin = auth_header(client, "admin1")
    past = (utcnow() - timedelta(minutes=1)).isoformat()
    r = client.post(f"{USERS}/handler1/api-keys", headers=admin, json={"name": "cũ", "expires_at": past})
    assert r.status_code == 400 and r.json()["code"] == "invalid_expiry"
    soon = (utcnow() + timedelta(days=1)).isoformat()
    r = client.post(f"{USERS}/handler1/api-keys", headers=admin, json={"name": "cổng", "expires_at": soon})
    assert r.status_code == 201 and r.json()["expires_at"] is not None
    machine = {"Authorization": "", "X-API-Key": r.json()["key"]}
    assert client.get("/api/v1/auth/me", headers=machine).status_code == 200
    with client.app.state.services.db.session() as s:
        s.query(ApiKey).one().expires_at = utcnow() - timedelta(seconds=1)
    assert client.get("/api/v1/auth/me", headers=machine).status_code == 401
