"""The outbox's claims: leases that lapse, a sender that lost its claim, back-off, and on
PostgreSQL two senders claiming at the same moment never getting the same row."""
from __future__ import annotations

import threading
import time
from datetime import timedelta

from sqlalchemy import select

from catalog import outbox
from catalog.portal_models import SyncOutbox
from core.clock import utcnow
from tests.conftest import open_dossier, running_client

LEASE = timedelta(minutes=5)


def test_backoff_doubles_up_to_a_day() -> None:
    assert [outbox.backoff(30, n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert outbox.backoff(30, 40) == timedelta(days=1)


def test_a_lapsed_lease_is_taken_over_and_the_old_sender_cannot_settle(client) -> None:
    open_dossier(client)
    db = client.app.state.services.db
    with db.session() as s:
        first, [row] = outbox.claim(s, limit=5, lease=LEASE)
    with db.session() as s:
        assert outbox.claim(s, limit=5, lease=LEASE)[1] == []  # held
    later = utcnow() + LEASE + timedelta(seconds=1)
    with db.session() as s:
        second, [again] = outbox.claim(s, limit=5, lease=LEASE, now=later)  # the first sender died
    assert again.id == row.id and again.idempotency_key == row.idempotency_key and second != first
    settle = {"max_attempts": 3, "backoff_s": 30}
    with db.session() as s:
        assert outbox.settle(s, row.id, first, error=None, **settle) is None  # it lost the row
        assert outbox.settle(s, row.id, second, error="http_503", **settle) == "failed"
    with db.session() as s:
        stored = s.get(SyncOutbox, row.id)
        assert (stored.attempts, stored.last_error, stored.claimed_by) == (1, "http_503", None)
        assert stored.next_attempt_at > utcnow() + timedelta(seconds=25)  # not due before its back-off


def test_two_senders_claiming_together_on_postgresql_get_disjoint_rows(settings, pg_database) -> None:
    for client in running_client(settings.model_copy(update={"database_url": pg_database})):
        for n in range(6):
            open_dossier(client, owner=f"00120300{n:04d}")
        db = client.app.state.services.db
        held, released = threading.Event(), threading.Event()
        claimed: dict[str, list[int]] = {}

        def first() -> None:
            with db.session() as s:  # claims and keeps its transaction open (rows locked)
                claimed["first"] = [r.id for r in outbox.claim(s, limit=3, lease=LEASE)[1]]
                held.set()
                released.wait(10)

        thread = threading.Thread(target=first)
        thread.start()
        assert held.wait(10)
        started = time.monotonic()
        with db.session() as s:  # does not wait for the first: skips its locked rows
            claimed["second"] = [r.id for r in outbox.claim(s, limit=6, lease=LEASE)[1]]
        waited = time.monotonic() - started
        released.set()
        thread.join(10)
        assert waited < 5 and len(claimed["first"]) == 3 and len(claimed["second"]) == 3
        assert not set(claimed["first"]) & set(claimed["second"])
        with db.session() as s:
            assert len(set(s.scalars(select(SyncOutbox.claimed_by)))) == 2
