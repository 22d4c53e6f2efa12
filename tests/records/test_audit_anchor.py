"""The audit chain cannot be rewritten: keyed hashes and signed checkpoints outside the catalog
catch what a recomputed SHA-256 chain hid (deletion, truncation, a wiped log, re-chaining), and a
checkpoint forged or removed in one of its two places shows too."""
from __future__ import annotations

import json

from sqlalchemy import delete, select, update

from catalog.audit import GENESIS, AuditEntry, AuditHead, verify
from catalog.audit_chain import derive_key
from records.audit_anchor import PREFIX, checkpoint_file, verify_log, write_checkpoint
from tests.conftest import open_dossier

def rechain(db, *, strip_macs: bool = False) -> None:
    """What someone with write access to the catalog (but not the secret key) can do: recompute
    every link and hash, and the head, so that the plain SHA-256 chain holds again."""
    with db.session() as s:
        prev = GENESIS
        last = None
        for entry in s.scalars(select(AuditEntry).order_by(AuditEntry.id)):
            entry.prev_hash = prev
            if strip_macs:
                entry.mac = None
            entry.hash = entry.compute_hash()
            prev, last = entry.hash, entry
        head = s.get(AuditHead, 1)
        head.last_id, head.last_hash = (last.id, last.hash) if last else (0, GENESIS)


def ids(db) -> list[int]:
    with db.session() as s:
        return list(s.scalars(select(AuditEntry.id).order_by(AuditEntry.id)))


def some_entries(client, n: int = 4) -> None:
    for _ in range(n):
        open_dossier(client)


def test_entries_are_keyed_and_a_checkpoint_is_kept_in_both_places(client):
    services = client.app.state.services
    some_entries(client)
    written = write_checkpoint(services)
    with services.db.session() as s:
        assert all(e.mac for e in s.scalars(select(AuditEntry)))
    assert services.store.exists(written.object_key) and written.object_key.startswith(PREFIX)
    path = checkpoint_file(services)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    lines = path.read_text().splitlines()
    assert json.loads(lines[-1])["checkpoint"]["last_id"] == written.checkpoint.last_id
    result = verify_log(services)
    assert result.ok, (result.chain, result.problems)
    assert result.chain.checkpoints >= 2  # the one written at start-up and this one


def test_a_deleted_entry_with_the_chain_recomputed_is_caught_by_the_keyed_hashes(client):
    services = client.app.state.services
    some_entries(client)
    all_ids = ids(services.db)
    with services.db.session() as s:
        assert verify(s).ok  # the plain chain holds before the attack
        s.execute(delete(AuditEntry).where(AuditEntry.id == all_ids[2]))
    rechain(services.db)
    with services.db.session() as s:
        assert verify(s).ok  # the old, unkeyed check is fooled
    result = verify_log(services)
    assert not result.ok and result.chain.broken_at == all_ids[3]
    assert "keyed hash does not match" in result.chain.reason


def test_stripping_the_keys_while_rechaining_is_caught_by_the_checkpoint(client):
    services = client.app.state.services
    some_entries(client)
    write_checkpoint(services)
    all_ids = ids(services.db)
    with services.db.session() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.id == all_ids[1]))
    rechain(services.db, strip_macs=True)  # everything now looks like entries from before keying
    result = verify_log(services)
    assert not result.ok
    assert "re-chained" in result.chain.reason or "deleted" in result.chain.reason, result.chain.reason


def test_cutting_off_the_newest_entries_is_reported_as_truncation(client):
    services = client.app.state.services
    some_entries(client)
    write_checkpoint(services)
    all_ids = ids(services.db)
    with services.db.session() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.id > all_ids[-3]))
        kept = s.get(AuditEntry, all_ids[-3])
        head = s.get(AuditHead, 1)
        head.last_id, head.last_hash = kept.id, kept.hash  # the head agrees with the cut log
    result = verify_log(services)
    assert not result.ok and "truncated" in result.chain.reason, result.chain.reason


def test_a_wiped_log_is_not_intact(client):
    services = client.app.state.services
    some_entries(client)
    write_checkpoint(services)
    with services.db.session() as s:
        s.execute(delete(AuditEntry))
        s.execute(update(AuditHead).values(last_id=0, last_hash=GENESIS))
    result = verify_log(services)
    assert not result.ok and result.chain.entries == 0 and "truncated" in result.chain.reason


def test_an_edited_entry_is_caught_even_with_its_hash_recomputed(client):
    services = client.app.state.services
    some_entries(client)
    all_ids = ids(services.db)
    with services.db.session() as s:
        s.execute(update(AuditEntry).where(AuditEntry.id == all_ids[2]).values(actor="someone-else"))
    rechain(services.db)
    result = verify_log(services)
    assert not result.ok and result.chain.broken_at == all_ids[2]


def test_a_forged_or_removed_checkpoint_is_reported(client):
    services = client.app.state.services
    some_entries(client)
    written = write_checkpoint(services)
    path = checkpoint_file(services)
    lines = path.read_text().splitlines()
    forged = json.loads(lines[-1])
    forged["checkpoint"]["count"] -= 2  # to cover for two deleted entries
    path.write_text("\n".join(lines[:-1] + [json.dumps(forged)]) + "\n")
    result = verify_log(services)
    assert not result.ok
    assert any("signature does not match" in p for p in result.problems)
    assert any("missing from checkpoints.jsonl" in p for p in result.problems)
    path.write_text("")  # the whole local file emptied: the object store still has every checkpoint
    assert services.store.exists(written.object_key)
    result = verify_log(services)
    assert not result.ok and sum("missing from checkpoints.jsonl" in p for p in result.problems) >= 2


def test_entries_from_before_keying_verify_as_legacy_and_are_anchored(client):
    services = client.app.state.services
    key = services.db.audit_key
    services.db.audit_key = None  # as the service wrote them before the upgrade
    try:
        some_entries(client, 2)
    finally:
        services.db.audit_key = key
    with services.db.session() as s:  # make the whole log legacy: no entry keyed yet
        s.execute(update(AuditEntry).values(mac=None))
    rechain(services.db, strip_macs=True)
    write_checkpoint(services)  # the upgrade's anchor
    some_entries(client, 1)  # keyed from here on
    result = verify_log(services)
    assert result.ok, (result.chain, result.problems)
    assert result.chain.legacy >= 3
    # Rewriting the legacy part now breaks the anchor.
    with services.db.session() as s:
        first = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).first()
        s.delete(first)
    rechain(services.db)
    assert not verify_log(services).ok


def test_a_key_other_than_the_services_does_not_verify(client):
    services = client.app.state.services
    some_entries(client, 1)
    with services.db.session() as s:
        assert verify(s, services.db.audit_key).ok
        assert not verify(s, derive_key("another secret")).ok


def test_sohoa_audit_verify_reports_a_wiped_log_and_exits_1(client, cli):
    services = client.app.state.services
    some_entries(client, 2)
    assert cli("audit", "checkpoint").exit_code == 0
    ok = cli("audit", "verify")
    assert ok.exit_code == 0 and "checkpoints agree" in ok.output
    with services.db.session() as s:
        s.execute(delete(AuditEntry))
        s.execute(update(AuditHead).values(last_id=0, last_hash=GENESIS))
    broken = cli("audit", "verify")
    assert broken.exit_code == 1 and "truncated" in broken.output
