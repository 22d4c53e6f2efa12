"""POST /api/v1/setup/admin: public, but only from the machine itself and only with the printed secret."""
from __future__ import annotations

from fastapi.testclient import TestClient

from catalog import first_admin
from sohoa.asgi import create_app

BODY = {"username": "admin", "password": "mat-khau-du-dai", "office_code": "PT01"}


def test_the_setup_link_works_from_this_machine_only(settings):
    app = create_app(settings)
    with TestClient(app, client=("127.0.0.1", 40000)) as local, TestClient(app, client=("192.0.2.7", 40000)) as remote:
        with app.state.services.db.session() as s:
            secret = first_admin.issue_setup_token(s, settings.data_dir)
        r = remote.post("/api/v1/setup/admin", json={**BODY, "token": secret})
        assert r.status_code == 403 and r.json()["code"] == "setup_not_local"
        r = local.post("/api/v1/setup/admin", json={**BODY, "token": "sai"})
        assert r.status_code == 400 and r.json()["code"] == "invalid_setup_link"
        r = local.post("/api/v1/setup/admin", json={**BODY, "password": "ngan", "token": secret})
        assert r.status_code == 422
        r = local.post("/api/v1/setup/admin", json={**BODY, "token": secret})
        assert r.status_code == 201 and r.json() == {"username": "admin", "role": "admin", "office_code": "PT01"}
        assert local.post("/api/v1/auth/token", data={"username": "admin", "password": BODY["password"]}).status_code == 200
        r = local.post("/api/v1/setup/admin", json={**BODY, "username": "admin2", "token": secret})
        assert r.status_code == 400
        with app.state.services.db.session() as s:
            from sqlalchemy import select

            from catalog.audit import AuditEntry
            [entry] = s.scalars(select(AuditEntry).where(AuditEntry.action == "user.create")).all()
        assert entry.actor == "admin" and entry.remote_addr == "127.0.0.1"
