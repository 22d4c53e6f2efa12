"""Sessions: tokens are versioned per user (a password, role, office or activity change ends the
old ones), API keys may expire, and the password policy applies to admins' changes."""
from __future__ import annotations

import time
from datetime import datetime, timedelta

import jwt
import pytest
from sqlalchemy import select

from catalog.audit import AuditEntry
from catalog.users import ApiKey, User
from core.clock import utcnow
from tests.conftest import PASSWORD, auth_header

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


def _token(client, username: str = "counter1") -> dict:
    r = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return r.json()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _claims(client, token: str) -> dict:
    return jwt.decode(token, client.app.state.services.secret_key, algorithms=["HS256"])


def test_a_valid_token_is_renewed_keeping_the_time_of_sign_in(client):
    first = _token(client, "handler1")
    assert 0 < first["expires_in"] <= 30 * 60
    signed_in = datetime.fromisoformat(first["session_expires_at"]) - timedelta(hours=10)
    assert abs((signed_in - utcnow()).total_seconds()) < 60
    r = client.post("/api/v1/auth/refresh", headers=_bearer(first["access_token"]))
    assert r.status_code == 200, r.text
    renewed = r.json()
    assert renewed["session_expires_at"] == first["session_expires_at"] and renewed["role"] == "handler"
    assert _claims(client, renewed["access_token"])["auth_time"] == _claims(client, first["access_token"])["auth_time"]
    assert client.get("/api/v1/auth/me", headers=_bearer(renewed["access_token"])).json()["username"] == "handler1"
    with client.app.state.services.db.session() as s:
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "auth.refresh")).one().actor == "handler1"


def _forged(client, signed_in_ago: timedelta, expires_in: timedelta) -> str:
    """A token as the service signs them, with the times a test needs."""
    with client.app.state.services.db.session() as s:
        version = s.scalars(select(User).where(User.username == "counter1")).one().token_version
    now = utcnow()
    claims = {"sub": "counter1", "role": "counter", "office": "PT01", "ver": version,
              "auth_time": int((now - signed_in_ago).timestamp()), "exp": now + expires_in}
    return jwt.encode(claims, client.app.state.services.secret_key, algorithm="HS256")


def test_renewals_never_outlive_the_absolute_session_limit(client):
    near_the_end = _forged(client, timedelta(hours=9, minutes=50), timedelta(minutes=5))
    r = client.post("/api/v1/auth/refresh", headers=_bearer(near_the_end))
    assert r.status_code == 200, r.text
    assert 9 * 60 <= r.json()["expires_in"] <= 10 * 60  # ten minutes left of the ten hours, not thirty
    over = _forged(client, timedelta(hours=10, seconds=5), timedelta(minutes=5))
    r = client.post("/api/v1/auth/refresh", headers=_bearer(over))
    assert (r.status_code, r.json()["code"]) == (401, "session_expired") and "quá 10 giờ" in r.json()["message"]


def test_an_expired_token_is_not_renewed_and_says_why(client):
    idle = _forged(client, timedelta(minutes=40), timedelta(seconds=-5))
    for r in (client.post("/api/v1/auth/refresh", headers=_bearer(idle)),
              client.get("/api/v1/auth/me", headers=_bearer(idle))):
        assert (r.status_code, r.json()["code"]) == (401, "session_expired")
        assert "lâu không thao tác" in r.json()["message"]
    ended = _forged(client, timedelta(hours=10, minutes=1), timedelta(seconds=-60))
    r = client.get("/api/v1/auth/me", headers=_bearer(ended))
    assert (r.status_code, r.json()["code"]) == (401, "session_expired") and "quá 10 giờ" in r.json()["message"]


def test_a_changed_account_or_an_api_key_gets_no_renewal(client):
    admin = auth_header(client, "admin1")
    old = _token(client, "handler1")["access_token"]
    assert client.patch(f"{USERS}/handler1", headers=admin, json={"role": "archivist"}).status_code == 200
    r = client.post("/api/v1/auth/refresh", headers=_bearer(old))
    assert (r.status_code, r.json()["code"]) == (401, "not_authenticated")
    key = client.post(f"{USERS}/counter1/api-keys", headers=admin, json={"name": "cổng"}).json()["key"]
    r = client.post("/api/v1/auth/refresh", headers={"Authorization": "", "X-API-Key": key})
    assert (r.status_code, r.json()["code"]) == (400, "refresh_needs_token")


@pytest.fixture
def brief_settings(settings):
    return settings.model_copy(update={"token_minutes": 0.15, "session_hours": 0.005})  # 9 s; 18 s


@pytest.mark.slow
def test_idle_and_absolute_expiry_with_short_lifetimes(brief_settings):
    from tests.conftest import running_client

    for client in running_client(brief_settings):
        first = _token(client)
        assert first["expires_in"] == 9
        time.sleep(5)
        renewed = client.post("/api/v1/auth/refresh", headers=_bearer(first["access_token"])).json()
        time.sleep(6)  # the first one has expired by now, the renewed one not
        assert client.get("/api/v1/auth/me", headers=_bearer(first["access_token"])).status_code == 401
        assert client.get("/api/v1/auth/me", headers=_bearer(renewed["access_token"])).status_code == 200
        last = client.post("/api/v1/auth/refresh", headers=_bearer(renewed["access_token"])).json()
        assert last["expires_in"] <= 8  # what is left of the 18 s, not another 9
        time.sleep(last["expires_in"] + 1.5)
        r = client.post("/api/v1/auth/refresh", headers=_bearer(last["access_token"]))
        assert (r.status_code, r.json()["code"]) == (401, "session_expired")
