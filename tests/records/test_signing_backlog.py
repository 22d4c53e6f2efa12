"""Signing later what failed to sign: ``sohoa sign pending`` (a timestamp authority that does not
answer, then one that does) and the scheduler's retry of issued results."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from catalog.audit import AuditEntry
from catalog.signatures import DocumentSignature
from core.clock import utcnow
from core.settings import get_settings
from records.signing_backlog import find_pending
from sohoa.scheduler import Scheduler, default_jobs
from tests.api.test_signed_copies import signing
from tests.archive import Archive, paper
from tests.conftest import auth_header, running_client
from tests.records.pki import PASSPHRASE, make_pki, timestamp_authority
from tests.records.test_signatures import scanned_pdf


def unsigned_papers(archive: Archive) -> dict[str, str]:
    """An issued result and an approved paper, both without a signed copy, and a paper not approved."""
    dossier = archive.dossier(resolved=None)
    made = {"result": paper(archive, dossier, "HT01", kind="result"),
            "approved": paper(archive, dossier, "HT01", document_number="15/2014"),
            "pending": paper(archive, dossier, "HT01", approved=False)}
    for document_id in made.values():
        archive.services.store.put_bytes(archive.keys(document_id)["pdf"], scanned_pdf())
    return made


def actions(archive: Archive, document_id: str | None = None) -> list[str]:
    with archive.services.db.session() as s:
        query = select(AuditEntry.action).order_by(AuditEntry.id)
        if document_id is not None:
            query = query.where(AuditEntry.object_id == document_id)
        return list(s.scalars(query))


def signatures(archive: Archive) -> dict[str, DocumentSignature]:
    with archive.services.db.session() as s:
        rows = list(s.scalars(select(DocumentSignature)))
        s.expunge_all()
    return {r.document_id: r for r in rows}


def test_sign_pending_fails_cleanly_then_signs_each_paper_once(client, archive, cli, monkeypatch, tmp_path):
    pki = make_pki(tmp_path / "pki")
    secret = tmp_path / "signing-secret"
    secret.write_bytes(PASSPHRASE + b"\n")  # as an editor leaves it
    monkeypatch.setenv("SOHOA_SIGNING_PKCS12", str(pki.p12(pki.agency, "agency")))
    monkeypatch.setenv("SOHOA_SIGNING_PASSPHRASE_FILE", str(secret))
    monkeypatch.setenv("SOHOA_TRUST_DIR", str(pki.trust_dir))
    monkeypatch.setenv("SOHOA_TSA_URL", "http://127.0.0.1:9/tsa")  # nothing listens: signing fails
    made = unsigned_papers(archive)
    store = archive.services.store

    r = cli("sign", "pending", "--dry-run")
    assert r.exit_code == 0, r.output
    assert {made["result"], made["approved"]} == {line.split()[0] for line in r.output.splitlines() if "would sign" in line}
    assert made["pending"] not in r.output and list(store.iter_keys("signed/")) == []

    r = cli("sign", "pending")
    assert r.exit_code == 1 and r.output.count("FAILED signing_failed") == 2, r.output
    assert list(store.iter_keys("signed/")) == [] and signatures(archive) == {}  # nothing half-written
    assert "document.sign_failed" in actions(archive, made["result"])

    with timestamp_authority(pki.ca) as authority:
        monkeypatch.setenv("SOHOA_TSA_URL", authority.tsa_url)
        get_settings.cache_clear()
        r = cli("sign", "pending")
    assert r.exit_code == 0 and "2 pending, 2 signed, 0 failed" in r.output, r.output
    rows = signatures(archive)
    assert set(rows) == {made["result"], made["approved"]}
    assert {(rows[d].trigger, rows[d].level, rows[d].status, rows[d].signed_by) for d in rows} == {
        ("result", "B-T", "valid", "handler1"), ("approval", "B-T", "valid", "handler1")}
    assert "document.sign" in actions(archive, made["result"])
    keys = set(store.iter_keys("signed/"))
    assert len(keys) == 2

    get_settings.cache_clear()
    monkeypatch.setenv("SOHOA_TSA_URL", "")
    r = cli("sign", "pending")  # idempotent: nothing is pending any more
    assert r.exit_code == 0 and "0 pending" in r.output, r.output
    assert set(store.iter_keys("signed/")) == keys
    assert actions(archive).count("signature.sign_pending") == 4  # every run is audited, dry or not


def test_without_a_key_the_command_refuses(client, archive, cli):
    unsigned_papers(archive)
    r = cli("sign", "pending")
    assert r.exit_code != 0 and "no signing key" in r.output
    assert cli("sign", "pending", "--dry-run").exit_code == 0


def test_the_scheduler_retries_issued_results_only(settings, tmp_path):
    pki = make_pki(tmp_path / "pki")
    for client in running_client(signing(settings, pki)):
        archive = Archive(client)
        made = unsigned_papers(archive)
        services = archive.services
        (job,) = [j for j in default_jobs(services) if j.name == "sign_pending"]
        assert job.every == timedelta(minutes=30)
        scheduler = Scheduler(services, [job], start_delay=0, on_start=None)
        assert scheduler.run_due() == ["sign_pending"]
        assert set(signatures(archive)) == {made["result"]}  # an approval signed late is an archivist's call
        assert scheduler.run_due() == []  # the audit log remembers the run
        assert scheduler.due(utcnow() + timedelta(minutes=31)) == [job]
        with services.db.session() as s:
            assert [p.document_id for p in find_pending(s)] == [made["approved"]]


def test_without_a_key_there_is_no_signing_backlog_to_watch(client):
    unsigned_papers(Archive(client))
    assert "sohoa_signatures_pending" not in client.get("/metrics", headers=auth_header(client, "admin1")).text


def test_the_backlog_is_a_metric_when_there_is_a_key(settings, tmp_path):
    pki = make_pki(tmp_path / "pki")
    for keyed in running_client(signing(settings, pki)):
        unsigned_papers(Archive(keyed))

        def gauge() -> str:
            text = keyed.get("/metrics", headers=auth_header(keyed, "admin1")).text
            return "\n".join(line for line in text.splitlines() if line.startswith("sohoa_signatures_pending{"))

        assert gauge() == ('sohoa_signatures_pending{kind="result"} 1.0\n'
                           'sohoa_signatures_pending{kind="component"} 1.0')
        (job,) = [j for j in default_jobs(keyed.app.state.services) if j.name == "sign_pending"]
        Scheduler(keyed.app.state.services, [job], start_delay=0, on_start=None).run_due()  # signs the result
        assert gauge() == ('sohoa_signatures_pending{kind="result"} 0.0\n'
                           'sohoa_signatures_pending{kind="component"} 1.0')
