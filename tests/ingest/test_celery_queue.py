"""Celery/Redis specifics: killed workers, two workers on one document, lost messages, outages."""
from __future__ import annotations

import io
import os
import subprocess
import sys
import time

import psycopg
import pytest

from catalog.owners import get_or_create_owner
from ingest.celery_queue import LEASE_PREFIX, SCHEDULED_JOB
from ingest.intake import Upload, accept
from search import SearchQuery
from sohoa.services import build_services
from sohoa.worker import ping, recover_unfinished
from tests import samples
from tests.contract.test_queue import ACTOR
from tests.queues import Rig
from tests.scaleout import REPO

PAGES = [[f"Trang {n} của tờ khai", "Bảo hiểm xã hội Việt Nam", "Nguyễn Văn Đức"] for n in range(1, 5)]


@pytest.fixture
def celery_rig(scaleout_stack):
    """Celery services on the stack; the test starts the workers it needs."""
    rig = Rig(build_services(scaleout_stack.settings), scaleout_stack)
    try:
        yield rig
    finally:
        rig.services.close()


def upload_scan(rig: Rig, pages: list[list[str]] = PAGES) -> str:
    with rig.services.db.session() as s:
        owner_id = get_or_create_owner(s, "001203004567").id
    (accepted,) = accept(rig.services, [Upload(io.BytesIO(samples.tiff_pages(pages)), "to-khai.tif")], owner_id,
                         actor=ACTOR)
    return accepted.document_id


def test_a_worker_killed_mid_document_loses_nothing(celery_rig):
    first = celery_rig.stack.start_worker()
    document_id = upload_scan(celery_rig, PAGES + PAGES)
    celery_rig.wait(document_id, lambda d: d.status == "processing" and d.pages_done >= 1)
    first.kill()
    assert celery_rig.document(document_id).status == "processing", "killed before it finished"

    second = celery_rig.stack.start_worker()
    document = celery_rig.wait_finished(document_id)
    assert (document.status, document.attempts, document.page_count) == ("ready", 2, 8), celery_rig.logs()
    hits = celery_rig.services.index.search(SearchQuery(text="nguyen van duc"))
    assert [h.id for h in hits.hits] == [document_id]
    celery_rig.assert_stored_once()


def test_a_document_another_worker_holds_is_left_to_it_and_recovered_if_it_dies(celery_rig):
    """A second delivery (Redis redelivers after the visibility timeout, recovery re-queues) of a
    document whose lease a live worker holds is dropped: one document is never OCR'd twice at
    once. The lease lives as long as its holder renews it."""
    worker = celery_rig.stack.start_worker()
    queue = celery_rig.services.queue
    document_id = celery_rig.pending_document(samples.png_page())
    with queue.lease(document_id) as held:  # as a worker elsewhere does while it processes
        assert held
        queue.submit(document_id)
        worker.wait_for("being processed by another worker")
        time.sleep(queue.lease_s * 1.5)
        assert queue.redis.exists(LEASE_PREFIX + document_id), "the heartbeat keeps the lease"
        assert celery_rig.document(document_id).attempts == 0
    # The holder is gone without finishing it: recovery (beat, any start) queues it again.
    time.sleep(celery_rig.stack.settings.recovery_grace_s)
    assert recover_unfinished(celery_rig.services) == [document_id]
    document = celery_rig.wait_finished(document_id)
    assert (document.status, document.attempts) == ("ready", 1)
    celery_rig.assert_stored_once()
    assert queue.wait_idle(10), "no marker or lease is left behind"


def test_beat_requeues_a_document_whose_message_was_lost(celery_rig):
    settings = celery_rig.stack.settings
    assert ping(settings, "worker", timeout=1) == ping(settings, "beat", timeout=1) == []
    celery_rig.stack.start_worker()
    document_id = celery_rig.pending_document(samples.png_page())  # in the catalog, never queued
    time.sleep(1.0)
    assert celery_rig.document(document_id).status == "pending"
    beat = celery_rig.stack.start_beat()
    document = celery_rig.wait_finished(document_id, timeout=60)
    assert (document.status, document.attempts) == ("ready", 1)
    assert "sohoa.recover" in beat.text()
    celery_rig.assert_stored_once()
    assert len(ping(settings, "worker", timeout=1)) == 1
    health = subprocess.run([sys.executable, "-m", "sohoa.cli", "ping", "beat", "--timeout", "1"], cwd=REPO,
                            env={**os.environ, "SOHOA_BROKER_URL": settings.broker_url}, capture_output=True,
                            text=True)
    assert health.returncode == 0 and health.stdout.startswith("beat@"), health


def test_an_upload_stands_while_the_broker_is_down_and_is_queued_at_the_next_start(scaleout_stack, caplog):
    down = Rig(build_services(scaleout_stack.settings.model_copy(update={"broker_url": "redis://127.0.0.1:9/0"})),
               scaleout_stack)
    try:
        document_id = upload_scan(down, PAGES[:1])  # accepted: the document is safe in the catalog
    finally:
        down.services.close()
    assert "could not queue document" in caplog.text
    scaleout_stack.start_worker()
    time.sleep(scaleout_stack.settings.recovery_grace_s)
    restarted = Rig(build_services(scaleout_stack.settings), scaleout_stack)  # start-up recovery queues it
    try:
        assert restarted.wait_finished(document_id).status == "ready"
    finally:
        restarted.services.close()


def test_a_catalog_outage_is_retried_with_backoff(celery_rig):
    """The worker loses its database (connections refused) while a document waits: Celery
    retries the task with growing delays until the database is back."""
    worker = celery_rig.stack.start_worker()
    database = celery_rig.stack.database_url.rsplit("/", 1)[1]
    admin = psycopg.connect(celery_rig.stack.database_url.rsplit("/", 1)[0].replace("+psycopg", "") + "/postgres",
                            autocommit=True)
    try:
        document_id = celery_rig.pending_document(samples.png_page())
        admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                      (f"sohoa-{worker.name}",))
        celery_rig.services.queue.submit(document_id)
        deadline = time.monotonic() + 30
        while worker.text().count("Retry in") < 2:  # tried, waited, tried again, still down
            assert time.monotonic() < deadline, worker.text()
            time.sleep(0.2)
        assert celery_rig.document(document_id).attempts == 0, "an outage uses up no attempt"
    finally:
        admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
        admin.close()
    document = celery_rig.wait_finished(document_id, timeout=90)
    assert (document.status, document.attempts) == ("ready", 1)


def test_records_jobs_run_on_schedule_in_a_worker(celery_rig):
    from records.audit_anchor import PREFIX
    from records.fixity import list_runs
    from records.retention import latest_review

    celery_rig.stack.start_worker()
    app = celery_rig.services.queue.app
    jobs = {entry["args"][0] for entry in app.conf.beat_schedule.values() if entry["task"] == SCHEDULED_JOB}
    assert jobs == {"fixity", "retention_review", "audit_checkpoint", "sign_pending"}
    store = celery_rig.services.store  # shared with the worker (each keeps its own local checkpoint file)
    before = set(store.iter_keys(PREFIX))
    for job in sorted(jobs):  # what beat sends when they are due
        app.send_task(SCHEDULED_JOB, args=[job])
    deadline = time.monotonic() + 60
    while True:
        with celery_rig.services.db.session() as s:
            runs = [(r.trigger, r.state) for r in list_runs(s)]
            review = latest_review(s)
            checkpointed = bool(set(store.iter_keys(PREFIX)) - before)
            if ("schedule", "completed") in runs and review is not None and checkpointed:
                break
        assert time.monotonic() < deadline, celery_rig.logs()
        time.sleep(0.2)
    assert review.trigger == "schedule"
