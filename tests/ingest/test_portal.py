"""The outbox sender against a real HTTP server on loopback that fails (500), times out after
taking the record (so the record is delivered twice) and refuses (400): nothing is lost, the
portal stores each record once because its key is the same at every delivery, records of one
dossier go in order, and several senders at once (SQLite, PostgreSQL) deliver each record once."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from catalog.portal_models import SyncOutbox
from catalog.portal_record import with_base
from core.settings import Settings
from ingest.portal import drain
from tests.conftest import auth_header, open_dossier, running_client
from tests.portal_servers import PortalServer, serving

PUBLIC = "https://sohoa.bhxh.example"


@contextmanager
def sending_to(settings: Settings, portal: PortalServer, **overrides) -> Iterator[TestClient]:
    with serving(portal) as url:
        tuned = settings.model_copy(update={"portal_url": url, "portal_timeout_s": 0.5, "portal_backoff_s": 0.05,
                                            "portal_max_attempts": 4, "public_url": PUBLIC, **overrides})
        yield from running_client(tuned)


def rows(client: TestClient) -> list[SyncOutbox]:
    with client.app.state.services.db.session() as s:
        found = list(s.scalars(select(SyncOutbox).order_by(SyncOutbox.id)))
        s.expunge_all()
        return found


def drain_later(client: TestClient) -> dict[str, int]:
    time.sleep(0.12)  # past the back-off of the failures before
    return drain(client.app.state.services).summary()


def test_failures_and_a_lost_answer_are_retried_and_the_portal_stores_each_record_once(settings) -> None:
    portal = PortalServer(["500", "stall"])
    with sending_to(settings, portal) as client:
        first, second = open_dossier(client)["code"], open_dossier(client)["code"]
        assert drain(client.app.state.services).summary() == {"sent": 0, "failed": 2, "dead": 0, "lost_claims": 0}
        waiting = rows(client)
        assert [(r.status, r.attempts, r.last_error) for r in waiting] == [("failed", 1, "http_500"),
                                                                          ("failed", 1, "timeout")]
        assert drain_later(client)["sent"] == 2
        done = rows(client)
    assert [(r.status, r.attempts, r.last_error) for r in done] == [("sent", 2, None), ("sent", 2, None)]
    keys = [r.idempotency_key for r in done]
    assert portal.deliveries == [keys[0], keys[1], keys[0], keys[1]]
    assert portal.duplicates == [keys[1]]  # the stalled one came again with the same key and was recognised
    assert sorted(portal.stored) == sorted(keys)
    assert [portal.stored[k]["MaHoSo"] for k in keys] == [first, second]
    assert portal.stored[keys[0]] == with_base(waiting[0].payload, PUBLIC) and portal.invalid == []
    assert [r.payload for r in done] == [None, None]  # sent: no second copy of the personal data kept


def test_a_refused_record_is_dead_at_once_and_an_admin_sends_it_again(settings) -> None:
    portal = PortalServer(["400"])
    with sending_to(settings, portal) as client:
        code = open_dossier(client)["code"]
        assert drain(client.app.state.services).summary()["dead"] == 1
        [row] = rows(client)
        assert (row.status, row.attempts, row.last_error) == ("dead", 1, "http_400")
        admin = auth_header(client, "admin1")
        outbox = client.get("/api/v1/admin/sync-outbox", headers=admin).json()
        assert outbox["portal_configured"] and outbox["counts"] == {"pending": 0, "failed": 0, "sent": 0, "dead": 1}
        assert outbox["rows"][0]["dossier_code"] == code and outbox["rows"][0]["last_error"] == "http_400"
        r = client.post(f"/api/v1/admin/sync-outbox/{row.id}/requeue", headers=admin)
        assert r.status_code == 200 and r.json()["status"] == "pending" and r.json()["attempts"] == 0
        assert drain(client.app.state.services).summary()["sent"] == 1
        assert client.get("/api/v1/admin/sync-outbox", headers=admin).json()["counts"]["sent"] == 1
    assert list(portal.stored) == [row.idempotency_key]


def test_after_the_last_attempt_a_record_is_dead_and_the_dossiers_later_records_wait_their_turn(settings) -> None:
    portal = PortalServer(["500"] * 3)
    with sending_to(settings, portal, portal_max_attempts=3) as client:
        code = open_dossier(client)["code"]
        r = client.post(f"/api/v1/dossiers/{code}/transitions", json={"action": "start"},
                        headers=auth_header(client, "handler1"))
        assert r.status_code == 200
        received, started = rows(client)
        drain(client.app.state.services)
        drain_later(client)
        assert portal.deliveries == [received.idempotency_key] * 2  # the later record waits behind it
        last = drain_later(client)
        assert (last["dead"], last["sent"]) == (1, 1)  # given up on: the later record goes in the same pass
        assert [r.status for r in rows(client)] == ["dead", "sent"]
    assert portal.deliveries == [received.idempotency_key] * 3 + [started.idempotency_key]


def test_one_pass_delivers_a_dossiers_changes_one_after_the_other(settings) -> None:
    portal = PortalServer()
    with sending_to(settings, portal) as client:
        code = open_dossier(client)["code"]
        handler = auth_header(client, "handler1")
        for action in ("start", "resolve"):
            assert client.post(f"/api/v1/dossiers/{code}/transitions", json={"action": action},
                               headers=handler).status_code == 200
        assert drain(client.app.state.services).summary()["sent"] == 3
        keys = [r.idempotency_key for r in rows(client)]
    assert portal.deliveries == keys and [portal.stored[k]["TrangThaiHoSo"] for k in keys] == ["2", "4", "9"]


def test_without_a_portal_records_wait_and_are_counted(client) -> None:
    open_dossier(client)
    assert drain(client.app.state.services).summary() == {"sent": 0, "failed": 0, "dead": 0, "lost_claims": 0}
    outbox = client.get("/api/v1/admin/sync-outbox", headers=auth_header(client, "admin1")).json()
    assert not outbox["portal_configured"] and outbox["counts"]["pending"] == 1
    metrics = client.get("/metrics", headers=auth_header(client, "admin1")).text
    assert "sohoa_outbox_backlog 1.0" in metrics


@pytest.mark.parametrize("catalog", ["sqlite", "postgresql"])
def test_several_senders_at_once_deliver_every_record_exactly_once(settings, catalog, request) -> None:
    if catalog == "postgresql":
        settings = settings.model_copy(update={"database_url": request.getfixturevalue("pg_database")})
    portal = PortalServer()
    with sending_to(settings, portal) as client:
        codes = [open_dossier(client, owner=f"0012030{n:05d}")["code"] for n in range(24)]
        services = client.app.state.services
        runs: list[dict[str, int]] = []
        senders = [threading.Thread(target=lambda: runs.append(drain(services, batch=3).summary())) for _ in range(3)]
        for t in senders:
            t.start()
        for t in senders:
            t.join(60)
        assert {r.status for r in rows(client)} == {"sent"}
    assert sum(r["sent"] for r in runs) == 24 and sorted(portal.deliveries) == sorted(portal.stored)
    assert portal.duplicates == [] and sorted(p["MaHoSo"] for p in portal.stored.values()) == sorted(codes)
    assert portal.invalid == []  # every delivered record matched the schema


def test_the_cli_drains_once_and_says_when_no_portal_is_set(client, cli, monkeypatch) -> None:
    from core.settings import get_settings

    open_dossier(client)
    result = cli("portal", "sync", "--once")
    assert result.exit_code == 2 and "1 bản ghi đồng bộ đang chờ" in result.output
    portal = PortalServer()
    with serving(portal) as url:
        monkeypatch.setenv("SOHOA_PORTAL_URL", url)
        get_settings.cache_clear()
        result = cli("portal", "sync", "--once")
    assert result.exit_code == 0, result.output
    assert "gửi 1" in result.output and "sent 1" in result.output and len(portal.stored) == 1


def test_a_client_that_breaks_leaves_the_record_to_be_tried_again(client) -> None:
    class Broken:  # a PortalClient whose code fails (a bug, not an answer of the portal)
        def deliver(self, record, idempotency_key):
            raise RuntimeError(record["ChuHoSo"])

        def close(self):
            pass

    open_dossier(client, full_name="Trần Thị Bình")
    services = client.app.state.services
    services.portal = Broken()
    try:
        assert drain(services).summary()["failed"] == 1
    finally:
        services.portal = None
    [row] = rows(client)
    assert (row.status, row.last_error, row.claimed_by) == ("failed", "error_RuntimeError", None)
