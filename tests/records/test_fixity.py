"""Fixity: a flipped byte, a missing object and an orphan are found, kept, and shown by the admin API."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from api.errors import status_of
from catalog.models import Document
from catalog.records_models import FixityIssue, ObjectChecksum
from core.errors import Rejected
from records.fixity import begin_run, run_fixity_check
from storage import content_key
from tests.archive import Archive, flip_a_byte


def issues(services, run_id) -> set[tuple[str, str]]:
    with services.db.session() as s:
        return {(i.problem, i.key) for i in s.scalars(select(FixityIssue).where(FixityIssue.run_id == run_id))}


def test_a_clean_archive_passes_and_records_derived_baselines(client, archive: Archive):
    code = archive.dossier()
    docs = [archive.document(code) for _ in range(3)]
    run = run_fixity_check(archive.services, "cli")
    assert (run.state, run.problems) == ("completed", 0)
    assert run.objects_checked == 9 and run.baselines_recorded == 6 and run.bytes_checked > 0
    again = run_fixity_check(archive.services, "cli")
    assert (again.objects_checked, again.baselines_recorded, again.problems) == (9, 0, 0)
    with archive.services.db.session() as s:
        baselines = set(s.scalars(select(ObjectChecksum.key)))
    assert baselines == {archive.keys(d)[k] for d in docs for k in ("pdf", "text")}


def test_flipped_bytes_missing_objects_and_orphans_are_reported(client, archive: Archive):
    services = archive.services
    code = archive.dossier()
    flipped, gone, pdf_flipped, pdf_gone = (archive.document(code) for _ in range(4))
    run_fixity_check(services, "cli")  # baselines for the derived objects
    flip_a_byte(services.store, archive.keys(flipped)["original"])
    services.store.delete(archive.keys(gone)["original"])
    flip_a_byte(services.store, archive.keys(pdf_flipped)["pdf"])
    services.store.delete(archive.keys(pdf_gone)["text"])
    stray = content_key("ab" * 32)
    services.store.put_bytes(stray, b"nobody knows me")
    run = run_fixity_check(services, "cli")
    assert (run.altered, run.missing, run.orphans, run.unreadable) == (2, 2, 1, 0)
    assert issues(services, run.id) == {
        ("altered", archive.keys(flipped)["original"]), ("missing", archive.keys(gone)["original"]),
        ("altered", archive.keys(pdf_flipped)["pdf"]), ("missing", archive.keys(pdf_gone)["text"]),
        ("orphan", stray)}
    with services.db.session() as s:
        altered = s.scalars(select(FixityIssue).where(FixityIssue.run_id == run.id, FixityIssue.problem == "altered",
                                                      FixityIssue.document_id == flipped)).one()
        assert altered.expected_sha256 == s.get(Document, flipped).sha256 != altered.actual_sha256


def test_objects_disposal_left_behind_are_orphans(client, archive: Archive):
    services = archive.services
    doc_id = archive.document(archive.dossier())
    keys = archive.keys(doc_id)
    with services.db.session() as s:  # as if disposal had wiped the row but lost its deletions
        s.get(Document, doc_id).status = "disposed"
    run = run_fixity_check(services, "cli")
    assert {(p, k) for p, k in issues(services, run.id)} == {("orphan", k) for k in keys.values()}
    with services.db.session() as s:
        details = set(s.scalars(select(FixityIssue.detail).where(FixityIssue.run_id == run.id)))
    assert details == {"left behind after disposal"}


def test_uploads_under_way_are_not_reported(client, archive: Archive):
    services = archive.services
    doc_id = archive.document(archive.dossier())
    with services.db.session() as s:
        document = s.get(Document, doc_id)
        document.status = "receiving"   # journal row written, object maybe not yet stored
    services.store.delete(archive.keys(doc_id)["original"])
    run = run_fixity_check(services, "cli")
    assert run.missing == 0


def test_certificates_are_checked_too(client, archive: Archive, as_user):
    services = archive.services
    doc_id = archive.document(archive.dossier())
    r = client.post("/api/v1/admin/disposal/batches", json={"document_ids": [doc_id]}, headers=as_user("archivist1"))
    batch = r.json()["id"]
    client.post(f"/api/v1/admin/disposal/batches/{batch}/approve", json={}, headers=as_user("admin1"))
    code = client.post(f"/api/v1/admin/disposal/batches/{batch}/execute", headers=as_user("admin1")).json()["code"]
    assert run_fixity_check(services, "cli").problems == 0
    flip_a_byte(services.store, f"certificates/disposal/{code}.pdf")
    run = run_fixity_check(services, "cli")
    assert issues(services, run.id) == {("altered", f"certificates/disposal/{code}.pdf")}


def test_the_admin_api_starts_a_run_and_shows_its_findings(client, archive: Archive, as_user):
    services = archive.services
    doc_id = archive.document(archive.dossier())
    services.store.delete(archive.keys(doc_id)["original"])
    h = as_user("archivist1")
    r = client.post("/api/v1/admin/fixity/runs", headers=h)
    assert r.status_code == 202 and r.json()["trigger"] == "api" and r.json()["started_by"] == "archivist1"
    run_id = r.json()["id"]
    deadline = time.monotonic() + 30
    while (body := client.get(f"/api/v1/admin/fixity/runs/{run_id}", headers=h).json())["state"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert body["state"] == "completed" and body["missing"] == 1
    assert body["issues"] == [{"key": archive.keys(doc_id)["original"], "problem": "missing",
                               "document_id": doc_id, "expected_sha256": body["issues"][0]["expected_sha256"],
                               "actual_sha256": None, "detail": None}]
    assert [x["id"] for x in client.get("/api/v1/admin/fixity/runs", headers=h).json()] == [run_id]
    assert client.get("/api/v1/admin/fixity/runs", headers=as_user("handler1")).status_code == 403


def test_one_run_at_a_time(client, archive: Archive):
    run_id = begin_run(archive.services, "cli", None)
    with pytest.raises(Rejected) as refused:
        begin_run(archive.services, "api", None)
    assert status_of(refused.value) == 409
    from records.fixity import check

    assert check(archive.services, run_id).state == "completed"
    assert begin_run(archive.services, "api", None) > run_id


def test_the_cli_exits_non_zero_on_damage(client, archive: Archive, cli):
    services = archive.services
    doc_id = archive.document(archive.dossier())
    ok = cli("fixity", "check")
    assert ok.exit_code == 0, ok.output
    assert "missing 0, altered 0, orphans 0" in ok.output
    flip_a_byte(services.store, archive.keys(doc_id)["original"])
    bad = cli("fixity", "check")
    assert bad.exit_code == 1 and "altered" in bad.output and archive.keys(doc_id)["original"] in bad.output


@pytest.fixture(params=["local", "s3"])
def signing_client(request: pytest.FixtureRequest, settings, tmp_path):
    from tests.api.test_signed_copies import signing
    from tests.backends import s3_bucket_url
    from tests.conftest import running_client
    from tests.records.pki import make_pki

    url = s3_bucket_url(request.getfixturevalue("s3_endpoint")) if request.param == "s3" else ""
    yield from running_client(signing(settings, make_pki(tmp_path / "pki"), storage_url=url))


def test_a_signed_copy_left_by_a_failed_approval_is_an_orphan(signing_client):
    from catalog.audit import Actor
    from records.signatures import sign_document
    from tests.api.test_signed_copies import approvable, approve

    archive = Archive(signing_client)
    services = archive.services
    kept = approvable(archive)
    assert approve(signing_client, kept).status_code == 200
    r = signing_client.patch(f"/api/v1/documents/{kept}/record", json={"document_number": "16/2014"})
    assert r.status_code == 200 and approve(signing_client, kept).status_code == 200  # an earlier copy is kept
    clean = run_fixity_check(services, "cli")
    assert (clean.problems, clean.orphans) == (0, 0) and len(list(services.store.iter_keys("signed/"))) == 2

    failed = approvable(archive)
    with pytest.raises(RuntimeError):  # the approval's transaction dies after the signed copy was stored
        with services.db.session() as s:
            sign_document(services, s, s.get(Document, failed), "approval", Actor("handler1", "handler", "PT01"))
            raise RuntimeError("connection lost before commit")
    (stray,) = set(services.store.iter_keys("signed/")) - {k for _, k in issues(services, clean.id)} - \
        _registered_signed(services)
    run = run_fixity_check(services, "cli")
    assert (run.orphans, run.problems) == (1, 1)
    assert issues(services, run.id) == {("orphan", stray)}


def _registered_signed(services) -> set[str]:
    with services.db.session() as s:
        return set(s.scalars(select(ObjectChecksum.key).where(ObjectChecksum.key.startswith("signed/"))))
