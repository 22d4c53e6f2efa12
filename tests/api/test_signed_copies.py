"""Signed digitized copies through the API: signed on approval, served as ``variant=signed``,
shown on the document, verified on download, reuse and in the fixity job — on the local store
and on S3 (moto on loopback)."""
from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pikepdf
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import select, text

from catalog.audit import AuditEntry
from catalog.signatures import DocumentSignature
from core.settings import Settings
from records.fixity import run_fixity_check, run_issues
from records.signing_backlog import find_pending
from tests.api.test_coding import BIRTH_CERTIFICATE
from tests.archive import Archive, flip_a_byte, paper
from tests.backends import s3_bucket_url
from tests.conftest import auth_header, open_dossier, running_client, wait_document
from tests.records.pki import PASSPHRASE, Pki, asn1, make_pki, ocsp_responder, timestamp_authority, with_ocsp
from tests.records.test_disposal import API as DISPOSAL, approved_batch
from tests.records.test_signatures import scanned_pdf
from tests.render import encode, render_lines


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return make_pki(tmp_path / "pki")


def signing(settings: Settings, pki: Pki, holder=None, **kw) -> Settings:
    p12 = pki.p12(holder or pki.agency, "agency")
    return settings.model_copy(update={"signing_pkcs12": p12, "signing_passphrase": SecretStr(PASSPHRASE.decode()),
                                       "trust_dir": pki.trust_dir, **kw})


@pytest.fixture
def signed_client(settings: Settings, pki: Pki) -> Iterator[TestClient]:
    yield from running_client(signing(settings, pki))


def approvable(archive: Archive) -> str:
    """A ready paper of a dossier with a real scanned PDF, waiting for review."""
    dossier = archive.dossier(resolved=None)
    document_id = paper(archive, dossier, "HT01", approved=False, type_status="confirmed",
                        document_number="15/2014")
    archive.services.store.put_bytes(archive.keys(document_id)["pdf"], scanned_pdf())
    return document_id


BIRTH = "1.000123.TP04"  # procedure 1.000123 asks for a birth certificate (HT01), reusable


def birth_dossier(client: TestClient) -> str:
    return open_dossier(client, procedure="1.000123", full_name="Nguyễn Văn Đức")["code"]


def approve(client: TestClient, document_id: str):
    return client.post(f"/api/v1/documents/{document_id}/review", json={"decision": "approved"},
                       headers=auth_header(client, "handler1"))


def signed_bytes(client: TestClient, document_id: str) -> tuple[bytes, str]:
    r = client.get(f"/api/v1/documents/{document_id}/file", params={"variant": "signed"})
    assert r.status_code == 200, r.text
    return r.content, r.headers["X-Signature-Status"]


def audit_actions(client: TestClient, document_id: str) -> list[str]:
    with client.app.state.services.db.session() as s:
        return list(s.scalars(select(AuditEntry.action).where(AuditEntry.object_id == document_id)
                              .order_by(AuditEntry.id)))


def test_approval_signs_a_copy_and_keeps_the_unsigned_pdf(signed_client, pki):
    archive = Archive(signed_client)
    document_id = approvable(archive)
    store = archive.services.store
    with store.open(archive.keys(document_id)["pdf"]) as f:
        unsigned = f.read()
    r = approve(signed_client, document_id)
    assert r.status_code == 200, r.text
    signature = r.json()["signature"]
    assert signature["status"] == "valid" and signature["level"] == "B-B"
    assert signature["signer"] == "BHXH Tỉnh Phú Thọ (thử nghiệm)" and signature["signed_at"]
    body = signed_client.get(f"/api/v1/documents/{document_id}").json()
    assert body["signature"]["status"] == "valid" and "signed" in body["links"]

    data, status = signed_bytes(signed_client, document_id)
    assert status == "valid" and data.startswith(b"%PDF-1.7")
    (embedded,) = PdfFileReader(io.BytesIO(data)).embedded_signatures
    assert validate_pdf_signature(embedded, ValidationContext(trust_roots=[asn1(pki.ca.certificate)])).bottom_line
    with pikepdf.open(io.BytesIO(data)) as pdf:  # the record's metadata went into the signed copy
        meta = pdf.open_metadata()
        assert "Giấy khai sinh" in meta["dc:title"] and "15/2014" in meta["dc:title"]
        assert meta["dc:identifier"].endswith(".HT01.BCA." + meta["dc:identifier"].rsplit(".", 1)[-1])
        assert meta["pdfaid:part"] == "2"
    with store.open(archive.keys(document_id)["pdf"]) as f:
        assert f.read() == unsigned  # the unsigned searchable PDF is untouched
    assert [k for k in store.iter_keys("signed/")] and "document.sign" in audit_actions(signed_client, document_id)
    r = signed_client.post(f"/api/v1/dossiers/{birth_dossier(signed_client)}/components/reuse",
                           json={"document_id": document_id, "component_code": BIRTH})
    assert r.status_code == 201, r.text  # verified again on reuse, and valid
    assert "document.signature_check" not in audit_actions(signed_client, document_id)  # nothing to report

    # neither the private key nor its passphrase went into the store or the catalog
    secret = pki.agency.key.private_numbers().private_value.to_bytes(32, "big")
    for key in store.iter_keys(""):
        with store.open(key) as f:
            content = f.read()
        assert secret not in content and PASSPHRASE not in content, key
    with archive.services.db.session() as s:
        dump = "\n".join(str(row) for table in ("audit_entry", "document_signature", "document")
                         for row in s.execute(text(f"SELECT * FROM {table}")))
    assert PASSPHRASE.decode() not in dump and secret.hex() not in dump


def test_a_changed_byte_shows_blocks_reuse_and_is_reported_by_fixity(signed_client):
    archive = Archive(signed_client)
    document_id = approvable(archive)
    assert approve(signed_client, document_id).status_code == 200
    (key,) = archive.services.store.iter_keys("signed/")
    flip_a_byte(archive.services.store, key)

    new_dossier = birth_dossier(signed_client)
    r = signed_client.post(f"/api/v1/dossiers/{new_dossier}/components/reuse",
                           json={"document_id": document_id, "component_code": BIRTH})
    assert r.status_code == 409 and r.json()["code"] == "not_reusable_signature", r.text
    assert "đã bị thay đổi" in r.json()["message"]
    checklist = signed_client.get(f"/api/v1/dossiers/{new_dossier}/checklist").json()
    assert document_id not in [c["document_id"] for i in checklist["items"] for c in i["candidates"]]
    body = signed_client.get(f"/api/v1/documents/{document_id}").json()
    assert (body["signature"]["status"], body["signature"]["reason"]) == ("invalid", "altered")
    assert body["signature"]["message"]
    assert signed_bytes(signed_client, document_id)[1] == "invalid"
    assert "document.signature_check" in audit_actions(signed_client, document_id)

    run = run_fixity_check(archive.services, "cli")
    with archive.services.db.session() as s:
        problems = {i.problem for i in run_issues(s, run.id) if i.key == key}
    assert problems == {"altered", "signature"} and run.signature_problems == 1


def test_checklists_reuse_the_verdict_on_unchanged_bytes(signed_client):
    from records.signature_cache import VERDICTS

    archive = Archive(signed_client)
    document_id = approvable(archive)
    assert approve(signed_client, document_id).status_code == 200
    dossier = birth_dossier(signed_client)
    VERDICTS.clear()
    for _ in range(3):
        checklist = signed_client.get(f"/api/v1/dossiers/{dossier}/checklist").json()
        assert document_id in [c["document_id"] for i in checklist["items"] for c in i["candidates"]]
    assert (VERDICTS.misses, VERDICTS.hits) == (1, 2)  # pyHanko ran once; the bytes were hashed each time
    (key,) = archive.services.store.iter_keys("signed/")
    flip_a_byte(archive.services.store, key)
    checklist = signed_client.get(f"/api/v1/dossiers/{dossier}/checklist").json()
    assert document_id not in [c["document_id"] for i in checklist["items"] for c in i["candidates"]]


def test_an_untrusted_signer_blocks_reuse(settings, pki):
    # The agency's CA is removed from the trust folder after signing: its copies stop being trusted.
    for client in running_client(signing(settings, pki)):
        archive = Archive(client)
        document_id = approvable(archive)
        assert approve(client, document_id).status_code == 200
        (pki.trust_dir / "ca.pem").unlink()
        r = client.post(f"/api/v1/dossiers/{birth_dossier(client)}/components/reuse",
                        json={"document_id": document_id, "component_code": BIRTH})
        assert r.status_code == 409 and r.json()["code"] == "not_reusable_signature"
        assert client.get(f"/api/v1/documents/{document_id}").json()["signature"]["status"] == "untrusted"


def test_a_revoked_signer_certificate_shows_invalid_and_blocks_reuse(settings, pki):
    """B-LT with the OCSP answer of a real responder on loopback; the CA then revokes the agency
    certificate: the next check finds the copy invalid (reason revoked), reuse is refused."""
    with timestamp_authority(pki.ca) as authority, ocsp_responder(pki.ca) as responder:
        holder = with_ocsp(pki.agency, pki.ca, responder.url)
        on = signing(settings, pki, holder=holder, tsa_url=authority.tsa_url, signature_cache_minutes=0)
        for client in running_client(on):
            archive = Archive(client)
            document_id = approvable(archive)
            r = approve(client, document_id)
            assert r.status_code == 200 and r.json()["signature"]["level"] == "B-LT", r.text
            assert signed_bytes(client, document_id)[1] == "valid"
            responder.revoke(holder.certificate)
            r = client.post(f"/api/v1/dossiers/{birth_dossier(client)}/components/reuse",
                            json={"document_id": document_id, "component_code": BIRTH})
            assert r.status_code == 409 and r.json()["code"] == "not_reusable_signature", r.text
            assert "thu hồi" in r.json()["message"]
            signature = client.get(f"/api/v1/documents/{document_id}").json()["signature"]
            assert (signature["status"], signature["reason"]) == ("invalid", "revoked")
            assert signed_bytes(client, document_id)[1] == "invalid"
            assert "document.signature_check" in audit_actions(client, document_id)


def test_fixity_asks_the_ocsp_responder_once_per_certificate_and_reports_revoked_copies(settings, pki):
    with ocsp_responder(pki.ca) as responder:
        holder = with_ocsp(pki.agency, pki.ca, responder.url)
        for client in running_client(signing(settings, pki, holder=holder)):
            archive = Archive(client)
            documents = [approvable(archive) for _ in range(3)]
            assert all(approve(client, d).status_code == 200 for d in documents)
            asked = len(responder.requests)
            assert run_fixity_check(archive.services, "cli").problems == 0
            assert len(responder.requests) - asked == 1  # one agency certificate, asked once for three copies
            responder.revoke(holder.certificate)
            run = run_fixity_check(archive.services, "cli")
            assert run.signature_problems == 3
            with archive.services.db.session() as s:
                assert {i.detail for i in run_issues(s, run.id)} == {"invalid: revoked"}


def test_an_expired_agency_certificate_refuses_the_approval_whole(settings, pki):
    for client in running_client(signing(settings, pki, holder=pki.expired)):
        archive = Archive(client)
        document_id = approvable(archive)
        r = approve(client, document_id)
        assert r.status_code == 503 and r.json()["code"] == "signing_certificate_expired"
        body = client.get(f"/api/v1/documents/{document_id}").json()
        assert body["record"]["review_status"] == "pending" and body["signature"]["status"] == "unsigned"
        assert list(archive.services.store.iter_keys("signed/")) == []


def test_a_result_already_digitized_is_attached_unsigned_when_signing_fails(settings, pki):
    """The result file is a scan the dossier already holds (same bytes): attaching it signs at once.
    A signing failure (here an expired agency certificate) must not refuse the attachment: the
    result is recorded, unsigned, and left to the signing retry (`sohoa sign pending`)."""
    for client in running_client(signing(settings, pki, holder=pki.expired)):
        dossier = open_dossier(client)  # 1.000456
        scan = encode(render_lines(["QUYẾT ĐỊNH HƯỞNG CHẾ ĐỘ ỐM ĐAU"], dpi=300), "PDF")
        r = client.post(f"/api/v1/dossiers/{dossier['code']}/components",
                        files={"files": ("kq.pdf", io.BytesIO(scan), "application/pdf")},
                        data={"component_code": "1.000456.TP01"})
        assert r.status_code == 202, r.text
        document_id = r.json()["documents"][0]["id"]
        assert wait_document(client, document_id)["status"] == "ready"

        r = client.post(f"/api/v1/dossiers/{dossier['code']}/results", headers=auth_header(client, "handler1"),
                        files={"file": ("kq.pdf", io.BytesIO(scan), "application/pdf")},
                        data={"result_code": "1.000456.KQ01", "document_number": "46/C70a-BHXH"})

        assert r.status_code == 201, r.text
        assert r.json()["document_id"] == document_id
        body = client.get(f"/api/v1/documents/{document_id}").json()
        assert body["signature"]["status"] == "unsigned" and body["record"]["review_status"] == "approved"
        listed = client.get(f"/api/v1/dossiers/{dossier['code']}/results", headers=auth_header(client, "handler1"))
        assert [x["document_id"] for x in listed.json()] == [document_id]
        with client.app.state.services.db.session() as s:
            assert document_id in [p.document_id for p in find_pending(s)]
        assert list(client.app.state.services.store.iter_keys("signed/")) == []


def test_a_key_outside_the_trust_folder_refuses_the_approval(settings, pki):
    for client in running_client(signing(settings, pki, holder=pki.stranger)):
        archive = Archive(client)
        document_id = approvable(archive)
        r = approve(client, document_id)
        assert r.status_code == 503 and r.json()["code"] == "signature_untrusted", r.text
        assert "tin cậy" in r.json()["message"]
        assert client.get(f"/api/v1/documents/{document_id}").json()["record"]["review_status"] == "pending"


def test_without_a_key_papers_are_approved_unsigned(client):
    archive = Archive(client)
    document_id = approvable(archive)
    r = approve(client, document_id)
    assert r.status_code == 200 and r.json()["signature"] == {
        "status": "unsigned", "signer": None, "signed_at": None, "level": None, "reason": None, "message": None,
        "checked_at": None}
    r = client.get(f"/api/v1/documents/{document_id}/file", params={"variant": "signed"})
    assert r.status_code == 404 and r.json()["code"] == "not_signed"


def test_signing_survives_the_s3_round_trip(settings, pki, s3_endpoint):
    on_s3 = signing(settings, pki, storage_url=s3_bucket_url(s3_endpoint))
    for client in running_client(on_s3):
        archive = Archive(client)
        document_id = approvable(archive)
        assert approve(client, document_id).status_code == 200
        data, status = signed_bytes(client, document_id)
        assert status == "valid"
        (embedded,) = PdfFileReader(io.BytesIO(data)).embedded_signatures
        assert validate_pdf_signature(embedded, ValidationContext(trust_roots=[asn1(pki.ca.certificate)])).bottom_line
        (key,) = archive.services.store.iter_keys("signed/")
        flip_a_byte(archive.services.store, key)
        assert signed_bytes(client, document_id)[1] == "invalid"


@pytest.mark.slow
def test_a_scanned_paper_and_an_issued_result_are_signed_end_to_end(signed_client):
    """Upload → OCR → type confirmed → approved: signed, with a low-resolution warning for a 150 dpi
    scan; a result attached by a handler is signed by the pipeline once digitized."""
    client = signed_client
    dossier = open_dossier(client, procedure="1.000457")
    scan = render_lines(BIRTH_CERTIFICATE, dpi=150, font_pt=14)
    scan.info["dpi"] = (150, 150)
    r = client.post(f"/api/v1/dossiers/{dossier['code']}/components",
                    files={"files": ("khai-sinh.png", io.BytesIO(encode(scan)), "image/png")},
                    data={"component_code": "1.000457.TP02"})
    assert r.status_code == 202, r.text
    body = wait_document(client, r.json()["documents"][0]["id"], timeout=240)
    assert body["status"] == "ready" and body["min_dpi"] == 150.0
    assert set(body["warnings"]) - {"low_resolution:p1"} == {"below_200_dpi"}  # the rule, and maybe OCR's own
    assert body["signature"]["status"] == "unsigned"  # not approved yet
    assert client.post(f"/api/v1/documents/{body['id']}/type", json={"code": "HT01"}).status_code == 200
    r = approve(client, body["id"])
    assert r.status_code == 200 and r.json()["signature"]["status"] == "valid", r.text
    data, status = signed_bytes(client, body["id"])
    assert status == "valid"
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert pdf.open_metadata()["dc:identifier"] == r.json()["record"]["digitization_code"]

    result_scan = encode(render_lines(["QUYẾT ĐỊNH HƯỞNG CHẾ ĐỘ ỐM ĐAU"], dpi=300), "PDF")
    sickness = open_dossier(client)  # 1.000456
    r = client.post(f"/api/v1/dossiers/{sickness['code']}/results", headers=auth_header(client, "handler1"),
                    files={"file": ("kq.pdf", io.BytesIO(result_scan), "application/pdf")},
                    data={"result_code": "1.000456.KQ01", "document_number": "45/C70a-BHXH",
                          "issue_date": "2024-05-06"})
    assert r.status_code == 201, r.text
    result = wait_document(client, r.json()["document_id"])
    assert result["signature"]["status"] == "valid" and result["warnings"] == []
    with client.app.state.services.db.session() as s:
        row = s.get(DocumentSignature, result["id"])
        assert (row.trigger, row.signed_by) == ("result", "handler1")


def test_disposal_destroys_every_signed_copy(signed_client):
    archive = Archive(signed_client)
    dossier = archive.dossier(resolved=date(2015, 3, 1))  # NT01: due for disposal since 2020
    document_id = paper(archive, dossier, "NT01", approved=False, type_status="confirmed")
    archive.services.store.put_bytes(archive.keys(document_id)["pdf"], scanned_pdf())
    assert approve(signed_client, document_id).status_code == 200
    # corrected and approved again: a second signed copy, the first one kept until disposal
    r = signed_client.patch(f"/api/v1/documents/{document_id}/record", json={"document_number": "7/2014"})
    assert r.status_code == 200 and approve(signed_client, document_id).status_code == 200
    store = archive.services.store
    assert len(list(store.iter_keys("signed/"))) == 2

    as_user = lambda name: auth_header(signed_client, name)  # noqa: E731
    batch = approved_batch(signed_client, as_user, document_id)
    r = signed_client.post(f"{DISPOSAL}/{batch}/execute", headers=as_user("admin1"))
    assert r.status_code == 200 and r.json()["state"] == "completed", r.text
    assert list(store.iter_keys("signed/")) == []
    with archive.services.db.session() as s:
        assert s.get(DocumentSignature, document_id) is None
    run = run_fixity_check(archive.services, "cli")
    assert run.problems == 0  # nothing missing, nothing orphaned
