"""Opening dossiers: codes, owners, validation."""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from catalog.audit import AuditEntry
from catalog.dossiers import get_dossier
from catalog.models import Component
from tests.conftest import OWNER_ID, PROCEDURE, open_dossier


def test_open_dossier_allocates_code_and_due_date(client):
    body = open_dossier(client, full_name="Nguyễn Văn Đức")
    assert re.fullmatch(r"BHXH-\d{6}-0001", body["code"])
    assert body["procedure_code"] == PROCEDURE and body["procedure_name"]
    assert body["owner"] == {"personal_id": OWNER_ID, "social_insurance_code": None, "full_name": "Nguyễn Văn Đức"}
    assert body["due_at"] > body["received_at"]
    again = client.get(f"/api/v1/dossiers/{body['code']}").json()
    assert again["code"] == body["code"] and again["components"] == []


def test_a_linked_dossier_is_marked_and_the_mark_audited(client):
    """One-stop interconnected intake (một cửa liên thông) is recorded at opening: the report counts it apart."""
    assert open_dossier(client)["linked"] is False
    r = client.post("/api/v1/dossiers", json={"procedure_code": PROCEDURE, "owner": {"personal_id": OWNER_ID},
                                              "linked": True})
    assert r.status_code == 201 and r.json()["linked"] is True
    assert client.get(f"/api/v1/dossiers/{r.json()['code']}").json()["linked"] is True
    with client.app.state.services.db.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "dossier.create",
                                                   AuditEntry.object_id == r.json()["code"])).one()
        assert '"linked": true' in entry.details
    r = client.post("/api/v1/dossiers", json={"procedure_code": PROCEDURE, "owner": {"personal_id": OWNER_ID},
                                              "linked": "có lẽ"})
    assert r.status_code == 422


def test_dossier_codes_are_unique_under_concurrent_intake(client):
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda _: open_dossier(client)["code"], range(24)))
    assert len(set(codes)) == 24
    numbers = sorted(int(c.rsplit("-", 1)[1]) for c in codes)
    assert numbers == list(range(1, 25))


def test_second_code_links_to_the_same_owner(client):
    open_dossier(client)
    r = client.post("/api/v1/dossiers", json={"procedure_code": PROCEDURE,
                                              "owner": {"personal_id": OWNER_ID, "social_insurance_code": "0123456789"}})
    assert r.status_code == 201
    r = client.post("/api/v1/dossiers", json={"procedure_code": PROCEDURE, "owner": {"social_insurance_code": "0123456789"}})
    assert r.json()["owner"]["personal_id"] == OWNER_ID


def test_bad_dossier_requests_get_clear_errors(client):
    cases = [
        ({"procedure_code": PROCEDURE, "owner": {"personal_id": "12345"}}, 400, "invalid_personal_id"),
        ({"procedure_code": PROCEDURE, "owner": {}}, 400, "owner_required"),
        ({"procedure_code": "1.999999", "owner": {"personal_id": OWNER_ID}}, 400, "unknown_procedure"),
        ({"procedure_code": "abc", "owner": {"personal_id": OWNER_ID}}, 400, "invalid_procedure_code"),
        ({"procedure_code": PROCEDURE, "owner": {"personal_id": OWNER_ID}, "channel": "fax"}, 422, "invalid_request"),
        ({"owner": {"personal_id": OWNER_ID}}, 422, "invalid_request"),
    ]
    for body, status, code in cases:
        r = client.post("/api/v1/dossiers", json=body)
        assert (r.status_code, r.json()["code"]) == (status, code), body
        assert r.json()["message"]


def test_a_replaced_scan_leaves_the_review_queue_and_a_misfiled_paper_does_not(client, archive):
    code = archive.dossier(resolved=None)
    poor, misfiled = archive.document(code, review_status="pending"), archive.document(code, review_status="pending")
    r = client.delete(f"/api/v1/dossiers/{code}/components/{poor}", params={"reason": "rescanned"})
    assert r.status_code == 204, r.text
    record = client.get(f"/api/v1/documents/{poor}").json()["record"]
    assert record["review_status"] == "rejected" and "quét lại" in record["review_note"]
    assert client.delete(f"/api/v1/dossiers/{code}/components/{misfiled}", params={"reason": "misfiled"}).status_code == 204
    assert client.get(f"/api/v1/documents/{misfiled}").json()["record"]["review_status"] == "pending"
    with client.app.state.services.db.session() as s:
        review = s.scalars(select(AuditEntry).where(AuditEntry.action == "document.review")).one()
        assert review.object_id == poor and "rescanned" in review.details
    bad = client.delete(f"/api/v1/dossiers/{code}/components/{misfiled}", params={"reason": "xoá"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_request"


def test_a_replaced_scan_another_dossier_also_holds_keeps_its_review(client, archive):
    first, second = archive.dossier(resolved=None), archive.dossier(resolved=None)
    shared = archive.document(first, review_status="pending")
    with client.app.state.services.db.session() as s:
        s.add(Component(dossier_id=get_dossier(s, second).id, document_id=shared, reused=False))
    assert client.delete(f"/api/v1/dossiers/{first}/components/{shared}", params={"reason": "rescanned"}).status_code == 204
    assert client.get(f"/api/v1/documents/{shared}").json()["record"]["review_status"] == "pending"


def test_unknown_dossier_is_404_json(client):
    r = client.get("/api/v1/dossiers/BHXH-000000-0001")
    assert r.status_code == 404 and r.json()["code"] == "dossier_not_found"


def test_a_paper_is_taken_off_a_dossier_at_the_counter_and_stays_in_the_archive(client, archive):
    code = archive.dossier(resolved=None)
    kept, replaced = archive.document(code), archive.document(code)
    r = client.delete(f"/api/v1/dossiers/{code}/components/{replaced}")
    assert r.status_code == 204, r.text
    assert [c["document"]["id"] for c in client.get(f"/api/v1/dossiers/{code}").json()["components"]] == [kept]
    assert client.get(f"/api/v1/documents/{replaced}").status_code == 200  # still the owner's paper
    with client.app.state.services.db.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "dossier.component_remove")).one()
        assert entry.actor == "counter1" and entry.object_id == code and replaced in entry.details
    again = client.delete(f"/api/v1/dossiers/{code}/components/{replaced}")
    assert (again.status_code, again.json()["code"]) == (404, "component_not_found")
    assert client.post(f"/api/v1/dossiers/{code}/transitions", json={"action": "start"}).status_code == 200
    late = client.delete(f"/api/v1/dossiers/{code}/components/{kept}")
    assert (late.status_code, late.json()["code"]) == (409, "dossier_in_progress") and "đang giải quyết" in late.json()["message"]
    assert len(client.get(f"/api/v1/dossiers/{code}").json()["components"]) == 1  # nothing half-done
    missing = client.delete(f"/api/v1/dossiers/BHXH-000000-0000/components/{kept}")
    assert (missing.status_code, missing.json()["code"]) == (404, "dossier_not_found")
