"""The audit log: every personal-data read and change is recorded, and tampering shows."""
from __future__ import annotations

from sqlalchemy import delete, select, update

from catalog.audit import AuditEntry, verify
from tests.conftest import OWNER_ID, auth_header, open_dossier


def entries(client, **where):
    with client.app.state.services.db.session() as s:
        return list(s.scalars(select(AuditEntry).filter_by(**where).order_by(AuditEntry.id)))


def test_reads_and_changes_are_recorded_with_who_and_owner(client):
    code = open_dossier(client)["code"]
    client.get(f"/api/v1/dossiers/{code}", headers=auth_header(client, "handler2"))
    client.get("/api/v1/search", params={"owner": OWNER_ID})
    actions = [(e.actor, e.action, e.owner_ref) for e in entries(client) if e.action != "auth.login"]
    assert actions == [("counter1", "dossier.create", OWNER_ID), ("handler2", "dossier.read", OWNER_ID),
                       ("counter1", "search", OWNER_ID)]
    read = entries(client, action="dossier.read")[0]
    assert '"cross_office": true' in read.details and read.office_code == "PT02"


def test_chain_detects_edit_delete_and_truncation(client):
    for _ in range(3):
        open_dossier(client)
    db = client.app.state.services.db
    with db.session() as s:
        report = verify(s)
    assert report.ok and report.entries >= 4
    all_ids = [e.id for e in entries(client)]

    with db.session() as s:
        s.execute(update(AuditEntry).where(AuditEntry.id == all_ids[2]).values(actor="someone-else"))
        assert verify(s).broken_at == all_ids[2]
        s.rollback()
    with db.session() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.id == all_ids[1]))
        assert verify(s).broken_at == all_ids[2]
        s.rollback()
    with db.session() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.id == all_ids[-1]))
        report = verify(s)
        assert not report.ok and "missing" in report.reason
        s.rollback()
    with db.session() as s:
        assert verify(s).ok
