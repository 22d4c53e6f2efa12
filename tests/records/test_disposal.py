"""Disposal: reviewed batches, holds that block, a crash mid-batch finished by a rerun, certificates."""
from __future__ import annotations

import io
import json
from datetime import date

import pypdfium2
import pytest
from sqlalchemy import inspect, select

from catalog.audit import AuditEntry, verify
from catalog.models import Document, Page
from catalog.records_models import BatchState, DisposalItem, Tombstone
from records.disposal import KEPT_COLUMNS, execute_batch
from tests.archive import Archive
from tests.conftest import OWNER_ID

API = "/api/v1/admin/disposal/batches"


def propose(client, headers, *ids, note="Giấy tờ nhân thân hết hạn bảo quản"):
    return client.post(API, json={"document_ids": list(ids), "note": note}, headers=headers)


def approved_batch(client, as_user, *ids) -> int:
    r = propose(client, as_user("archivist1"), *ids)
    assert r.status_code == 201, r.text
    batch_id = r.json()["id"]
    r = client.post(f"{API}/{batch_id}/approve", json={"note": "Đồng ý"}, headers=as_user("admin1"))
    assert r.status_code == 200, r.text
    return batch_id


def pdf_text(data: bytes) -> str:
    pdf = pypdfium2.PdfDocument(io.BytesIO(data))
    return "\n".join(page.get_textpage().get_text_range() for page in pdf)


def test_a_batch_is_proposed_approved_executed_and_certified(client, archive: Archive, as_user):
    code = archive.dossier(resolved=date(2015, 3, 1))   # NT01: 5 years from resolution -> due since 2020
    doc_ids = [archive.document(code), archive.document(code, type_code="HT04")]
    assert all(archive.indexed(d) for d in doc_ids)

    r = propose(client, as_user("archivist1"), *doc_ids)
    assert r.status_code == 201, r.text
    batch = r.json()
    assert batch["state"] == "proposed" and batch["code"].startswith("BHXH-HUY-")
    assert [i["due_on"] for i in batch["items"]] == ["2020-03-01", "2020-03-01"]

    # The proposer cannot approve their own batch; an archivist cannot approve at all.
    assert client.post(f"{API}/{batch['id']}/approve", json={}, headers=as_user("archivist1")).status_code == 403
    assert client.post(f"{API}/{batch['id']}/execute", headers=as_user("archivist1")).json()["code"] == \
        "wrong_batch_state"
    r = client.post(f"{API}/{batch['id']}/approve", json={"note": "Đồng ý huỷ"}, headers=as_user("admin1"))
    assert r.status_code == 200 and r.json()["decided_by"] == "admin1"

    r = client.post(f"{API}/{batch['id']}/execute", headers=as_user("archivist1"))
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["state"] == "completed" and {i["state"] for i in done["items"]} == {"destroyed"}

    for doc_id in doc_ids:
        assert archive.objects(doc_id) == {"original": False, "pdf": False, "text": False}
        assert not archive.indexed(doc_id)
        assert client.get(f"/api/v1/documents/{doc_id}").status_code == 410
    services = archive.services
    with services.db.session() as s:
        assert s.scalars(select(Page).where(Page.document_id.in_(doc_ids))).all() == []
        for doc_id in doc_ids:
            d = s.get(Document, doc_id)
            assert d.status == "disposed"
            wiped = {a.key: getattr(d, a.key) for a in inspect(Document).column_attrs if a.key not in KEPT_COLUMNS}
            assert set(wiped) >= {"filename", "owner_name", "fields", "abstract", "signer", "classification"}
            assert all(v in (None, "") for v in wiped.values()), wiped
            assert d.sha256 and d.digitization_code and d.issue_date == date(2014, 5, 2)  # codes, hash, dates kept

    r = client.get(f"/api/v1/admin/tombstones/{doc_ids[0]}", headers=as_user("archivist1"))
    stone = r.json()
    assert stone["owner_ref"] == OWNER_ID and stone["facts"]["dossier_codes"] == [code]
    assert stone["facts"]["rule"] == {"document_type_code": "NT01", "version": 1, "years": 5,
                                      "event": "dossier_resolved", "source": "sample-2026.1"}

    cert = client.get(f"{API}/{batch['id']}/certificate", params={"format": "json"}, headers=as_user("archivist1"))
    body = cert.json()
    assert body["batch"]["approved_by"] == "admin1" and body["batch"]["proposed_by"] == "archivist1"
    assert [d["document_id"] for d in body["destroyed"]] == doc_ids and body["sample_schedule"] is True
    assert body["destroyed"][0]["document_type_name"].startswith("Thẻ Căn cước")
    pdf = client.get(f"{API}/{batch['id']}/certificate", headers=as_user("archivist1"))
    assert pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    for expected in ("BIÊN BẢN HUỶ TÀI LIỆU", batch["code"], "admin1", "Thẻ Căn cước", "(Ký, ghi rõ họ tên)",
                     done["certificate_json_sha256"]):
        assert expected in text.replace("\r", ""), expected

    with services.db.session() as s:
        actions = [e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        assert verify(s).ok
    assert ["disposal.propose", "disposal.approve", "disposal.execute", "document.dispose", "document.dispose",
            "disposal.complete"] == [a for a in actions if a.startswith(("disposal.", "document.dispose"))][:6]


def test_not_due_held_or_unscheduled_documents_answer_409(client, archive: Archive, as_user):
    recent = archive.dossier(resolved=date.today())
    open_case = archive.dossier(resolved=None)
    old = archive.dossier(resolved=date(2010, 1, 1))
    not_yet = archive.document(recent)
    unresolved = archive.document(open_case)
    permanent = archive.document(old, type_code="BH02")
    unscheduled = archive.document(old, type_code="ZZ99")
    r = propose(client, as_user("archivist1"), not_yet, unresolved, permanent, unscheduled)
    assert r.status_code == 409
    reasons = {d["document_id"]: d["reason"] for d in r.json()["documents"]}
    assert reasons == {not_yet: "not_yet_due", unresolved: "no_event_date", permanent: "permanent",
                       unscheduled: "no_rule"}
    with archive.services.db.session() as s:
        assert s.scalars(select(DisposalItem)).all() == []  # nothing half-proposed


@pytest.mark.parametrize("scope", ["owner", "dossier", "document"])
def test_a_hold_blocks_disposal_until_released(client, archive: Archive, as_user, scope):
    code = archive.dossier()
    doc_id = archive.document(code)
    ref = {"owner": OWNER_ID, "dossier": code, "document": doc_id}[scope]
    r = client.post("/api/v1/admin/holds", json={"scope": scope, "ref": ref, "reason": "Thanh tra số 12/TTr"},
                    headers=as_user("archivist1"))
    assert r.status_code == 201, r.text
    hold_id = r.json()["id"]
    assert client.get(f"/api/v1/admin/holds/{hold_id}", headers=as_user("archivist1")).json()["target_ref"] == ref
    assert [h["id"] for h in client.get("/api/v1/admin/holds", params={"active": True},
                                        headers=as_user("archivist1")).json()] == [hold_id]
    reads = client.get("/api/v1/admin/audit", params={"owner": OWNER_ID, "object_type": "legal_hold"},
                       headers=as_user("archivist1")).json()["entries"]
    assert [e["action"] for e in reads] == ["hold.read", "hold.place"]
    r = propose(client, as_user("archivist1"), doc_id)
    assert r.status_code == 409 and r.json()["documents"][0]["reason"] == "held"
    assert r.json()["documents"][0]["holds"] == [hold_id]

    r = client.post(f"/api/v1/admin/holds/{hold_id}/release", json={"reason": "Kết thúc thanh tra"},
                    headers=as_user("archivist1"))
    assert r.json()["released_by"] == "archivist1" and r.json()["active"] is False
    assert propose(client, as_user("archivist1"), doc_id).status_code == 201


def test_a_hold_placed_after_approval_withholds_the_document(client, archive: Archive, as_user):
    code = archive.dossier()
    kept, destroyed = archive.document(code), archive.document(code)
    batch_id = approved_batch(client, as_user, kept, destroyed)
    client.post("/api/v1/admin/holds", json={"scope": "document", "ref": kept, "reason": "Khiếu nại"},
                headers=as_user("archivist1"))
    r = client.post(f"{API}/{batch_id}/execute", headers=as_user("admin1"))
    states = {i["document_id"]: (i["state"], i["reason"]) for i in r.json()["items"]}
    assert states == {kept: ("withheld", "held"), destroyed: ("destroyed", None)}
    assert archive.objects(kept) == {"original": True, "pdf": True, "text": True} and archive.indexed(kept)
    cert = client.get(f"{API}/{batch_id}/certificate", params={"format": "json"}, headers=as_user("archivist1")).json()
    assert cert["withheld"] == [{"document_id": kept, "reason": "held"}]


def test_approval_checks_again_and_needs_another_person(client, archive: Archive, as_user):
    code = archive.dossier()
    doc_id = archive.document(code)
    r = propose(client, as_user("admin1"), doc_id)  # an admin may propose, but then not approve
    batch_id = r.json()["id"]
    r = client.post(f"{API}/{batch_id}/approve", json={}, headers=as_user("admin1"))
    assert r.status_code == 409 and r.json()["code"] == "same_person"
    archive.resolve(code, date.today())  # the dossier's resolution date was corrected meanwhile
    with archive.services.db.session() as s:
        from catalog.users import Role, create_user

        create_user(s, "admin2", "mat-khau-thu-nghiem", Role.admin, "PT01")
    r = client.post(f"{API}/{batch_id}/approve", json={}, headers=as_user("admin2"))
    assert r.status_code == 409 and r.json()["documents"][0]["reason"] == "not_yet_due"
    r = client.post(f"{API}/{batch_id}/reject", json={"note": "Sai ngày"}, headers=as_user("admin2"))
    assert r.json()["state"] == "rejected"


def test_a_document_in_an_open_batch_cannot_be_proposed_twice(client, archive: Archive, as_user):
    doc_id = archive.document(archive.dossier())
    assert propose(client, as_user("archivist1"), doc_id).status_code == 201
    r = propose(client, as_user("archivist1"), doc_id)
    assert r.status_code == 409 and r.json()["code"] == "already_in_batch"


def test_an_original_shared_with_a_live_document_is_kept(client, archive: Archive, as_user):
    same = b"the same scanned bytes" * 100
    code = archive.dossier()
    disposed = archive.document(code, content=same)
    live = archive.document(archive.dossier(owner="079190001234", resolved=None), content=same)
    batch_id = approved_batch(client, as_user, disposed)
    client.post(f"{API}/{batch_id}/execute", headers=as_user("archivist1"))
    assert archive.objects(disposed) == {"original": True, "pdf": False, "text": False}
    assert archive.objects(live) == {"original": True, "pdf": True, "text": True}
    cert = client.get(f"{API}/{batch_id}/certificate", params={"format": "json"}, headers=as_user("archivist1")).json()
    assert cert["destroyed"][0]["original_kept_for_other_documents"] is True


class CrashingStore:
    """The real store, raising on the k-th delete (a process dying mid-batch)."""

    def __init__(self, store, fail_at: int) -> None:
        self._store, self.fail_at, self.deletes = store, fail_at, 0

    def delete(self, key: str) -> None:
        self.deletes += 1
        if self.deletes == self.fail_at:
            raise RuntimeError(f"simulated crash deleting {key}")
        self._store.delete(key)

    def __getattr__(self, name):
        return getattr(self._store, name)


@pytest.mark.parametrize("fail_at", [1, 2, 3, 5])
def test_a_crash_mid_batch_leaves_nothing_half_deleted_and_a_rerun_completes(client, archive: Archive, as_user,
                                                                            fail_at):
    code = archive.dossier()
    doc_ids = [archive.document(code) for _ in range(3)]   # 3 objects each: pdf, text, original
    batch_id = approved_batch(client, as_user, *doc_ids)
    services = archive.services
    real_store = services.store
    services.store = CrashingStore(real_store, fail_at)
    from catalog.audit import Actor

    actor = Actor("admin1", "admin", "PT01")
    try:
        with pytest.raises(RuntimeError, match="simulated crash"):
            execute_batch(services, batch_id, actor)
    finally:
        services.store = real_store

    with services.db.session() as s:
        states = {i.document_id: i.state for i in s.scalars(select(DisposalItem))}
        statuses = {d: s.get(Document, d).status for d in doc_ids}
        tombstones = set(s.scalars(select(Tombstone.document_id)))
    for doc_id in doc_ids:
        # Either untouched (all objects, index entry, pages) or disposed in the catalog: never half.
        if statuses[doc_id] == "ready":
            assert states[doc_id] == "pending" and doc_id not in tombstones
            assert archive.objects(doc_id) == {"original": True, "pdf": True, "text": True}
            assert archive.indexed(doc_id)
        else:
            assert statuses[doc_id] == "disposed" and doc_id in tombstones
            assert states[doc_id] in ("purged", "destroyed")
    assert client.get(f"{API}/{batch_id}", headers=as_user("archivist1")).json()["state"] == "executing"

    r = client.post(f"{API}/{batch_id}/execute", headers=as_user("archivist1"))   # the rerun
    assert r.json()["state"] == "completed"
    assert {i["state"] for i in r.json()["items"]} == {"destroyed"}
    for doc_id in doc_ids:
        assert archive.objects(doc_id) == {"original": False, "pdf": False, "text": False}
        assert not archive.indexed(doc_id)
    with services.store.open(f"certificates/disposal/{r.json()['code']}.json") as f:
        cert = json.loads(f.read())
    assert cert["totals"]["destroyed"] == 3
    again = client.post(f"{API}/{batch_id}/execute", headers=as_user("archivist1"))  # idempotent
    assert again.status_code == 200 and again.json()["completed_at"] == r.json()["completed_at"]


def test_batches_left_executing_are_resumed(client, archive: Archive, as_user):
    from records.disposal import resume_disposals
    from sohoa.scheduler import SYSTEM

    doc_id = archive.document(archive.dossier())
    batch_id = approved_batch(client, as_user, doc_id)
    with archive.services.db.session() as s:
        from records.disposal import DisposalBatch

        s.get(DisposalBatch, batch_id).state = BatchState.executing.value   # as a killed process leaves it
    assert resume_disposals(archive.services, SYSTEM) == [client.get(f"{API}/{batch_id}", headers=as_user(
        "archivist1")).json()["code"]]
    assert archive.objects(doc_id)["original"] is False


def test_a_scanned_and_ocred_document_is_disposed_of_completely(client, archive: Archive, as_user):
    """Through the real intake and OCR pipeline: what it stored is what disposal removes."""
    from tests import samples
    from tests.api.test_upload import upload
    from tests.conftest import wait_document

    code = archive.dossier(resolved=None)
    r = upload(client, code, ("cccd.png", samples.png_page()))
    doc_id = r.json()["documents"][0]["id"]
    assert wait_document(client, doc_id)["status"] == "ready"
    hits = client.get("/api/v1/search", params={"q": "nguyen van duc"}).json()["hits"]
    assert doc_id in [h["id"] for h in hits]
    with archive.services.db.session() as s:
        s.get(Document, doc_id).document_type_code = "NT01"
    archive.resolve(code, date(2016, 1, 4))
    from records.fixity import run_fixity_check

    assert run_fixity_check(archive.services, "cli").problems == 0

    client.post(f"{API}/{approved_batch(client, as_user, doc_id)}/execute", headers=as_user("archivist1"))
    assert archive.objects(doc_id) == {"original": False, "pdf": False, "text": False}
    hits = client.get("/api/v1/search", params={"q": "nguyen van duc"}).json()["hits"]
    assert doc_id not in [h["id"] for h in hits]
    dossier = client.get(f"/api/v1/dossiers/{code}").json()
    assert [c["document"]["status"] for c in dossier["components"]] == ["disposed"]
    assert run_fixity_check(archive.services, "cli").problems == 0   # nothing left behind, nothing missing


def test_a_dossier_hold_covers_the_results_it_produced(client, archive: Archive, as_user):
    from catalog.coding import DossierResult
    from catalog.models import Dossier

    code = archive.dossier()
    result = archive.document(type_code="KQ10", issue_date=date(2012, 1, 2))   # 5 years from issue
    with archive.services.db.session() as s:
        dossier_id = s.scalars(select(Dossier.id).where(Dossier.code == code)).one()
        s.add(DossierResult(dossier_id=dossier_id, document_id=result, result_code="1.000806.KQ01"))
    client.post("/api/v1/admin/holds", json={"scope": "dossier", "ref": code, "reason": "Khiếu nại 3/KN"},
                headers=as_user("archivist1"))
    r = propose(client, as_user("archivist1"), result)
    assert r.status_code == 409 and r.json()["documents"][0]["reason"] == "held"


def test_the_cli_executes_an_approved_batch_and_lists_batches(client, archive: Archive, as_user, cli):
    doc_id = archive.document(archive.dossier())
    batch_id = approved_batch(client, as_user, doc_id)
    r = cli("disposal", "execute", batch_id)
    assert r.exit_code == 0, r.output
    assert "completed; destroyed 1, withheld 0; certificate certificates/disposal/BHXH-HUY-" in r.output
    assert archive.objects(doc_id)["original"] is False
    listed = cli("disposal", "list")
    assert "completed" in listed.output and "proposed by archivist1, decided by admin1" in listed.output
    r = cli("disposal", "execute", 999)
    assert r.exit_code == 1 and "batch_not_found" in r.output
