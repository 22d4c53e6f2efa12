"""Retention schedules: shipped defaults for every catalog type, versioned edits, events, the due list."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from catalog.catalogs import active_catalog
from catalog.models import Document
from catalog.records_models import RetentionReview
from records.retention import add_years, current_rules, load_schedule
from tests.archive import Archive
from tests.conftest import OWNER_ID

RULES = "/api/v1/admin/retention/rules"


def test_the_shipped_schedule_covers_every_catalog_type_and_is_marked_sample(client, archive: Archive):
    schedule = load_schedule()
    assert schedule.sample and "MẪU" in schedule.note
    with archive.services.db.session() as s:
        types = set(active_catalog(s).document_types)
        rules = current_rules(s)
    assert set(schedule.rules) == types == set(rules)
    assert all(r.version == 1 and r.source == schedule.version for r in rules.values())
    assert rules["BH02"].permanent and rules["NT01"].years == 5 and rules["NT01"].event == "dossier_resolved"


def test_a_change_makes_a_new_version_and_keeps_the_old(client, as_user):
    h = as_user("archivist1")
    r = client.put(f"{RULES}/NT01", json={"years": 8, "event": "dossier_resolved", "basis": "Công văn 123/BHXH"},
                   headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and r.json()["created_by"] == "archivist1"
    assert r.json()["document_type_name"].startswith("Thẻ Căn cước")
    r = client.put(f"{RULES}/NT01", json={"years": "permanent"}, headers=h)
    assert r.json()["version"] == 3 and r.json()["years"] is None
    history = client.get(f"{RULES}/NT01", headers=h).json()
    assert [(v["version"], v["years"]) for v in history] == [(1, 5), (2, 8), (3, None)]
    current = {r["document_type_code"]: r for r in client.get(RULES, headers=h).json()}
    assert current["NT01"]["version"] == 3 and current["HT01"]["version"] == 1
    audit = client.get("/api/v1/admin/audit", params={"action": "retention.rule_change"}, headers=h).json()
    assert [e["details"]["version"] for e in audit["entries"]] == [3, 2]


def test_invalid_rules_are_refused(client, as_user):
    h = as_user("archivist1")
    assert client.put(f"{RULES}/XX99", json={"years": 5, "event": "digitized"}, headers=h).json()["code"] == \
        "unknown_document_type"
    assert client.put(f"{RULES}/NT01", json={"years": 5}, headers=h).json()["code"] == "invalid_rule"
    assert client.put(f"{RULES}/NT01", json={"years": 0, "event": "digitized"}, headers=h).status_code == 400
    assert client.put(f"{RULES}/NT01", json={"years": 5, "event": "someday"}, headers=h).status_code == 422
    assert client.put(f"{RULES}/NT01", json={"years": 5, "event": "digitized"},
                      headers=as_user("handler1")).status_code == 403


def _due_ids(client, as_user, **params) -> list[str]:
    r = client.get("/api/v1/admin/retention/due", params=params, headers=as_user("archivist1"))
    assert r.status_code == 200, r.text
    return [i["document_id"] for i in r.json()["items"]]


def test_each_event_starts_the_term(client, archive: Archive, as_user):
    h = as_user("archivist1")
    old = archive.dossier(resolved=date(2012, 6, 1))
    resolved_doc = archive.document(old)                                   # NT01: 5 y from resolution
    birth = archive.document(old, type_code="HT01")                        # HT01: 10 y from owner's death
    notice = archive.document(old, type_code="BH11", issue_date=date(2010, 1, 1))  # 10 y from issue
    card = archive.document(old, type_code="CS01", valid_until=date(2030, 1, 1))   # 5 y from expiry
    assert set(_due_ids(client, as_user)) == {resolved_doc, notice}

    r = client.put(f"/api/v1/admin/owners/{OWNER_ID}/death", json={"died_on": "2011-02-03",
                                                                   "source": "Trích lục khai tử 45/TLKT"}, headers=h)
    assert r.status_code == 200 and r.json()["died_on"] == "2011-02-03"
    assert set(_due_ids(client, as_user)) == {resolved_doc, notice, birth}
    items = client.get("/api/v1/admin/retention/due", headers=h).json()["items"]
    assert {i["document_id"]: i["due_on"] for i in items}[birth] == "2021-02-03"
    assert card not in _due_ids(client, as_user)

    # Reusing the paper in a dossier still open restarts nothing but makes it not due: it is in use.
    new = archive.dossier(resolved=None)
    with archive.services.db.session() as s:
        from catalog.models import Component, Dossier

        s.add(Component(dossier_id=s.scalars(select(Dossier.id).where(Dossier.code == new)).one(),
                        document_id=resolved_doc, reused=True))
    assert resolved_doc not in _due_ids(client, as_user)
    archive.resolve(new, date.today() - timedelta(days=1))
    assert resolved_doc not in _due_ids(client, as_user)   # the latest resolution counts


def test_the_due_list_pages_filters_and_shows_holds(client, archive: Archive, as_user):
    code = archive.dossier()
    ids = sorted(archive.document(code) for _ in range(5))
    other = archive.document(code, type_code="HT04")
    h = as_user("archivist1")
    first = client.get("/api/v1/admin/retention/due", params={"limit": 3, "document_type": "NT01"}, headers=h).json()
    rest = client.get("/api/v1/admin/retention/due", params={"limit": 3, "document_type": "NT01",
                                                             "after": first["next_after"]}, headers=h).json()
    assert [i["document_id"] for i in first["items"] + rest["items"]] == ids and rest["next_after"] is None
    client.post("/api/v1/admin/holds", json={"scope": "document", "ref": other, "reason": "Vụ việc 7"}, headers=h)
    assert other not in _due_ids(client, as_user)
    held = client.get("/api/v1/admin/retention/due", params={"include_held": True, "document_type": "HT04"},
                      headers=h).json()["items"]
    assert [(i["document_id"], len(i["held_by"])) for i in held] == [(other, 1)]


def test_the_review_counts_due_and_held_per_type(client, archive: Archive, as_user):
    code = archive.dossier()
    archive.document(code)
    archive.document(code)
    held = archive.document(code, type_code="HT04")
    client.post("/api/v1/admin/holds", json={"scope": "document", "ref": held, "reason": "Vụ việc 9"},
                headers=as_user("archivist1"))
    r = client.post("/api/v1/admin/retention/reviews", headers=as_user("archivist1"))
    assert r.status_code == 200
    assert (r.json()["due"], r.json()["held"]) == (2, 1)
    assert r.json()["by_type"] == {"HT04": {"due": 0, "held": 1}, "NT01": {"due": 2, "held": 0}}
    assert client.get("/api/v1/admin/retention/reviews/latest", headers=as_user("archivist1")).json()["id"] == \
        r.json()["id"]
    with archive.services.db.session() as s:
        assert s.scalars(select(RetentionReview.trigger)).all() == ["api"]


def test_documents_still_processing_are_never_due(client, archive: Archive, as_user):
    doc_id = archive.document(archive.dossier())
    with archive.services.db.session() as s:
        s.get(Document, doc_id).status = "processing"
    assert doc_id not in _due_ids(client, as_user)


def test_terms_end_on_the_anniversary_and_never_early():
    assert add_years(date(2020, 3, 1), 5) == date(2025, 3, 1)
    assert add_years(date(2020, 2, 29), 1) == date(2021, 3, 1)
    assert add_years(date(2020, 2, 29), 4) == date(2024, 2, 29)


def test_the_cli_lists_due_documents_and_reviews(client, archive: Archive, cli):
    code = archive.dossier()
    doc_id = archive.document(code)
    r = cli("retention", "due")
    assert r.exit_code == 0, r.output
    assert f"{doc_id}  NT01  {OWNER_ID}  due 01/03/2020 (5 y from dossier_resolved 01/03/2015)" in r.output
    r = cli("retention", "review")
    assert r.exit_code == 0 and "1 documents due for disposal, 0 more due but held" in r.output
