"""The portal routes: a dossier's sync record (office-scoped reading, audited), the admin's view
of the outbox and re-queueing a dead record."""
from __future__ import annotations

import json

import jsonschema
from sqlalchemy import select

from catalog.audit import AuditEntry
from catalog.portal_models import SyncOutbox
from catalog.portal_record import schema
from tests.conftest import OWNER_ID, auth_header, open_dossier


def test_the_sync_record_is_the_portal_shape_and_its_reading_is_audited(client) -> None:
    code = open_dossier(client, full_name="Trần Thị Bình")["code"]
    r = client.get(f"/api/v1/dossiers/{code}/sync-record")
    assert r.status_code == 200, r.text
    jsonschema.Draft202012Validator(schema()).validate(r.json())
    assert r.json()["MaHoSo"] == code and r.json()["ChuHoSo"] == "Trần Thị Bình"
    for user, other_office in (("counter1", False), ("handler2", True), ("archivist1", False)):
        assert client.get(f"/api/v1/dossiers/{code}/sync-record", headers=auth_header(client, user)).status_code == 200
        with client.app.state.services.db.session() as s:
            entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "dossier.sync_record_read")
                              .order_by(AuditEntry.id.desc())).first()
            assert (entry.actor, entry.object_id, entry.owner_ref) == (user, code, OWNER_ID)
            assert json.loads(entry.details)["cross_office"] is other_office
    r = client.get("/api/v1/dossiers/BHXH-000101-9999/sync-record")
    assert r.status_code == 404 and r.json()["code"] == "dossier_not_found"


def test_the_outbox_is_the_admins_and_shows_no_personal_data(client) -> None:
    code = open_dossier(client, full_name="Trần Thị Bình")["code"]
    assert client.get("/api/v1/admin/sync-outbox").status_code == 403  # a counter
    admin = auth_header(client, "admin1")
    body = client.get("/api/v1/admin/sync-outbox", headers=admin).json()
    assert body["counts"] == {"pending": 1, "failed": 0, "sent": 0, "dead": 0}
    [row] = body["rows"]
    assert (row["dossier_code"], row["change"], row["status"]) == (code, "received", "pending")
    assert OWNER_ID not in json.dumps(body) and "Bình" not in json.dumps(body)
    assert client.get("/api/v1/admin/sync-outbox", params={"status": "dead"}, headers=admin).json()["rows"] == []
    r = client.post(f"/api/v1/admin/sync-outbox/{row['id']}/requeue", headers=admin)
    assert r.status_code == 409 and r.json()["code"] == "outbox_row_not_dead"
    r = client.post("/api/v1/admin/sync-outbox/999999/requeue", headers=admin)
    assert r.status_code == 404 and r.json()["code"] == "outbox_row_not_found"
    with client.app.state.services.db.session() as s:
        s.get(SyncOutbox, row["id"]).status = "dead"
    r = client.post(f"/api/v1/admin/sync-outbox/{row['id']}/requeue", headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "pending"
    with client.app.state.services.db.session() as s:
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "sync_outbox.requeue")).one().object_id == code
