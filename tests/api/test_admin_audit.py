"""The audit query API (by owner, user, action, date; paged) and `sohoa audit verify`."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import update

from catalog.audit import AuditEntry
from tests.conftest import OWNER_ID, open_dossier

AUDIT = "/api/v1/admin/audit"


def test_archivists_query_by_owner_user_action_and_date(client, as_user):
    other = "079190001234"
    codes = [open_dossier(client)["code"] for _ in range(3)] + [open_dossier(client, owner=other)["code"]]
    client.get(f"/api/v1/dossiers/{codes[0]}", headers=as_user("handler2"))
    h = as_user("archivist1")

    by_owner = client.get(AUDIT, params={"owner": OWNER_ID}, headers=h).json()
    assert [(e["action"], e["object_id"]) for e in by_owner["entries"]] == \
        [("dossier.read", codes[0])] + [("dossier.create", c) for c in reversed(codes[:3])]
    read = by_owner["entries"][0]
    assert read["actor"] == "handler2" and read["office_code"] == "PT02" and read["details"]["cross_office"] is True
    by_user = client.get(AUDIT, params={"user": "handler2", "action": "dossier.read"}, headers=h).json()
    assert [e["object_id"] for e in by_user["entries"]] == [codes[0]]
    assert client.get(AUDIT, params={"owner": other}, headers=h).json()["entries"][0]["object_id"] == codes[3]

    today = date.today()
    assert client.get(AUDIT, params={"owner": OWNER_ID, "date_from": today - timedelta(days=1),
                                     "date_to": today + timedelta(days=1)}, headers=h).json()["entries"]
    assert client.get(AUDIT, params={"owner": OWNER_ID, "date_to": today - timedelta(days=2)},
                      headers=h).json()["entries"] == []
    assert client.get(AUDIT, params={"date_from": today, "date_to": today - timedelta(days=1)},
                      headers=h).json()["code"] == "invalid_date_range"

    # Reading the log is itself recorded, with the owner looked up.
    mine = client.get(AUDIT, params={"user": "archivist1", "action": "audit.query"}, headers=h).json()["entries"]
    assert mine[-1]["owner_ref"] == OWNER_ID


def test_pages_follow_each_other_without_gaps_or_repeats(client, as_user):
    for _ in range(7):
        open_dossier(client)
    h = as_user("archivist1")
    seen, before = [], None
    while True:
        page = client.get(AUDIT, params={"action": "dossier.create", "limit": 3,
                                         **({"before": before} if before else {})}, headers=h).json()
        seen += [e["id"] for e in page["entries"]]
        before = page["next_before"]
        if before is None:
            break
    assert len(seen) == 7 and seen == sorted(seen, reverse=True)


def test_only_archivists_and_admins_read_the_log(client, as_user):
    for user, status in (("counter1", 403), ("handler1", 403), ("archivist1", 200), ("admin1", 200)):
        assert client.get(AUDIT, headers=as_user(user)).status_code == status


def test_verify_reports_a_tampered_chain_over_the_api_and_the_cli(client, as_user, cli):
    codes = [open_dossier(client)["code"] for _ in range(3)]
    h = as_user("archivist1")
    assert client.get(f"{AUDIT}/verify", headers=h).json()["ok"] is True
    ok = cli("audit", "verify")
    assert ok.exit_code == 0 and "intact" in ok.output
    with client.app.state.services.db.session() as s:
        s.execute(update(AuditEntry).where(AuditEntry.object_id == codes[1]).values(owner_ref="000000000000"))
    broken = cli("audit", "verify")
    assert broken.exit_code == 1 and "BROKEN" in broken.output
    body = client.get(f"{AUDIT}/verify", headers=h).json()
    assert body["ok"] is False and "edited" in body["reason"]
