"""Reuse at intake: which papers a new dossier is offered, attaching one, and what is refused."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from catalog.audit import AuditEntry
from catalog.models import Component, Document
from tests import samples
from tests.api.test_upload import upload
from tests.archive import OTHER_OWNER, paper
from tests.conftest import open_dossier
from tests.records.test_disposal import API as DISPOSAL
from tests.records.test_disposal import approved_batch, propose

BIRTH = "1.000123.TP04"  # procedure 1.000123 asks for a birth certificate (HT01), reusable
IDENTITY = "1.000123.TP03"  # ... an identity card (NT01), reusable
FORM = "1.000123.TP01"  # ... its declaration form (BH01), handed in new every time


def items(checklist: dict) -> dict[str, dict]:
    return {i["component_code"]: i for i in checklist["items"]}


def candidate_ids(checklist: dict, component: str) -> list[str]:
    return [c["document_id"] for c in items(checklist)[component]["candidates"]]


def reuse(client, dossier: str, document_id: str, component: str | None = None, **kw):
    body = {"document_id": document_id, **({"component_code": component} if component else {})}
    return client.post(f"/api/v1/dossiers/{dossier}/components/reuse", json=body, **kw)


def stored(services) -> tuple[list[str], int]:
    """Every object key in the store and the number of document rows."""
    with services.db.session() as s:
        return sorted(services.store.iter_keys("")), s.scalar(select(func.count()).select_from(Document))


def checklist(client, dossier: str) -> dict:
    r = client.get(f"/api/v1/dossiers/{dossier}/checklist")
    assert r.status_code == 200, r.text
    return r.json()


def test_a_new_dossier_is_offered_the_owners_reusable_papers_newest_first(client, archive, today):
    first = archive.dossier(resolved=None)
    old = paper(archive, first, "HT01", issue_date=date(2010, 1, 4))
    new = paper(archive, first, "HT01", issue_date=date(2020, 6, 1))
    last_day = paper(archive, first, "HT01", permanent=False, valid_until=today, issue_date=date(2015, 1, 5))
    refused = {
        paper(archive, first, "HT01", approved=False): "not_approved",
        paper(archive, first, "HT01", approved=False, review_status="rejected"): "not_approved",
        paper(archive, first, "HT01", permanent=False, valid_until=today - timedelta(days=1)): "expired",
        paper(archive, first, "HT01", status="failed"): "not_ready",
        paper(archive, first, "HT01", kind="batch"): "not_a_paper",
    }
    form = paper(archive, first, "BH01")
    strangers = paper(archive, archive.dossier(owner=OTHER_OWNER, resolved=None), "HT01")

    body = open_dossier(client, procedure="1.000123")
    listed = body["checklist"]
    assert candidate_ids(listed, BIRTH) == [new, last_day, old]
    assert items(listed)[BIRTH]["candidates"][0]["source"] == {
        "kind": "uploaded", "dossier_code": first, "procedure_code": "1.000456",
        "received_at": items(listed)[BIRTH]["candidates"][0]["source"]["received_at"], "result_code": None}
    assert items(listed)[BIRTH]["document_type_name"] == "Giấy khai sinh"
    assert items(listed)[FORM]["reusable"] is False and items(listed)[FORM]["candidates"] == []
    assert listed["missing_mandatory"] == [FORM] and body["reuse"]["components"] == 0
    assert checklist(client, body["code"]) == listed  # the same answer later

    for document_id, why in refused.items():
        r = reuse(client, body["code"], document_id, BIRTH)
        assert (r.status_code, r.json()["code"]) == (409, f"not_reusable_{why}"), document_id
    r = reuse(client, body["code"], strangers, BIRTH)
    assert (r.status_code, r.json()["code"]) == (404, "document_not_found")  # never shown, never taken
    assert reuse(client, body["code"], form, FORM).json()["code"] == "component_not_reusable"
    assert reuse(client, body["code"], new, IDENTITY).json()["code"] == "document_type_mismatch"
    assert reuse(client, body["code"], new, "1.000999.TP01").json()["code"] == "unknown_component"
    assert client.get(f"/api/v1/dossiers/{body['code']}").json()["components"] == []

    # the other owner's dossier is offered only the other owner's paper
    theirs = open_dossier(client, owner=OTHER_OWNER, procedure="1.000123")
    assert candidate_ids(theirs["checklist"], BIRTH) == [strangers]


def test_attaching_a_candidate_files_the_same_document_and_copies_nothing(client, archive):
    first = archive.dossier(resolved=None)
    birth = paper(archive, first, "HT01")
    services = archive.services
    before = stored(services)
    code = open_dossier(client, procedure="1.000123")["code"]
    r = reuse(client, code, birth)  # the component is found from the paper's type
    assert r.status_code == 201, r.text
    [component] = r.json()["components"]
    assert component["reused"] and component["component_code"] == BIRTH and component["document"]["id"] == birth
    assert component["source"] == {"kind": "uploaded", "dossier_code": first}
    assert r.json()["reuse"] == {"components": 1, "reused": 1, "digitized": 0, "share": 1.0}
    assert reuse(client, code, birth).json()["components"] == r.json()["components"]  # once only
    assert stored(services) == before, "no object stored, no document row added"

    listed = items(checklist(client, code))[BIRTH]
    assert [c["document"]["id"] for c in listed["attached"]] == [birth] and listed["candidates"] == []
    # the index knows the paper is filed with this dossier too, at once
    for params in ({"dossier": code}, {"procedure": "1.000123"}, {"dossier": first}):
        assert [h["id"] for h in client.get("/api/v1/search", params=params).json()["hits"]] == [birth], params
    with services.db.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "component.reuse")).one()
        assert entry.object_id == code and entry.actor == "counter1" and first in entry.details

    # a paper scanned now counts as newly digitized
    upload(client, code, ("to-khai.png", samples.png_page(["TỜ KHAI THAM GIA BẢO HIỂM XÃ HỘI"])),
           component_code=FORM)
    assert client.get(f"/api/v1/dossiers/{code}").json()["reuse"] == {
        "components": 2, "reused": 1, "digitized": 1, "share": 0.5}


def test_the_same_bytes_uploaded_again_land_on_the_earlier_paper_as_reused(client):
    first = open_dossier(client)["code"]
    page = samples.png_page(["GIẤY KHAI SINH", "Họ, chữ đệm, tên: NGUYỄN VĂN ĐỨC"])
    original = upload(client, first, ("khai-sinh.png", page)).json()["documents"][0]
    second = open_dossier(client, procedure="1.000123")["code"]
    again = upload(client, second, ("anh-chup-lai.png", page), component_code=BIRTH).json()["documents"][0]
    assert again["duplicate"] is True and again["id"] == original["id"]
    [component] = client.get(f"/api/v1/dossiers/{second}").json()["components"]
    assert component["reused"] and component["source"] == {"kind": "uploaded", "dossier_code": first}
    [own] = client.get(f"/api/v1/dossiers/{first}").json()["components"]
    assert own["reused"] is False and own["source"] is None
    upload(client, first, ("lai-lan-nua.png", page))  # within its own dossier: nothing new, nothing reused
    assert client.get(f"/api/v1/dossiers/{first}").json()["reuse"] == {
        "components": 1, "reused": 0, "digitized": 1, "share": 0.0}


def test_a_paper_on_its_way_to_disposal_or_disposed_is_not_offered(client, archive, as_user):
    resolved = archive.dossier(resolved=date(2015, 3, 1))  # identity papers: kept 5 years from then
    card = paper(archive, resolved, "NT01", permanent=False, valid_until=date(2040, 1, 1))
    code = open_dossier(client, procedure="1.000123")["code"]
    assert candidate_ids(checklist(client, code), IDENTITY) == [card]

    proposed = propose(client, as_user("archivist1"), card)
    assert proposed.status_code == 201, proposed.text
    assert candidate_ids(checklist(client, code), IDENTITY) == []
    assert reuse(client, code, card).json()["code"] == "not_reusable_disposal_pending"

    r = client.post(f"{DISPOSAL}/{proposed.json()['id']}/reject", json={"note": "Còn dùng cho hồ sơ mới"},
                    headers=as_user("admin1"))
    assert r.status_code == 200, r.text
    assert candidate_ids(checklist(client, code), IDENTITY) == [card]  # a rejected proposal frees it

    r = client.post(f"{DISPOSAL}/{approved_batch(client, as_user, card)}/execute", headers=as_user("archivist1"))
    assert r.status_code in (200, 202), r.text
    assert candidate_ids(checklist(client, code), IDENTITY) == []
    assert reuse(client, code, card).json()["code"] == "not_reusable_disposed"
    assert not archive.indexed(card)
    with archive.services.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Component).where(Component.dossier_id.is_not(None),
                                                                          Component.reused.is_(True))) == 0
