"""Queue contract: the in-process pool and Celery/Redis (real worker process) pass the same tests.

Errors are real, not injected: an original missing from object storage makes every attempt fail
the way a storage outage does, until it is put back.
"""
from __future__ import annotations

import io
import time

from catalog import documents as docs
from catalog.audit import Actor
from catalog.owners import get_or_create_owner
from ingest.intake import Upload, accept
from search import SearchQuery
from tests import samples

ACTOR = Actor("queue-test", "counter", "PT01")


def test_submitted_documents_are_processed_once(rig):
    services = rig.services
    with services.db.session() as s:
        owner_id = get_or_create_owner(s, "001203004567").id
    uploads = [Upload(io.BytesIO(samples.png_page()), "khai-sinh.png"),
               Upload(io.BytesIO(samples.tiff_pages([["Trang một", "Bảo hiểm xã hội"], ["Trang hai"]])), "to-khai.tif")]
    accepted = accept(services, uploads, owner_id, actor=ACTOR)
    finished = [rig.wait_finished(a.document_id) for a in accepted]
    assert [(d.status, d.attempts, d.page_count) for d in finished] == [("ready", 1, 1), ("ready", 1, 2)]
    assert services.queue.wait_idle(30), rig.logs()
    hits = services.index.search(SearchQuery(text="bao hiem xa hoi"))
    assert [h.id for h in hits.hits] == [accepted[1].document_id]
    rig.assert_stored_once()


def test_a_delayed_submission_waits(rig):
    document_id = rig.pending_document(samples.png_page())
    submitted = time.monotonic()
    rig.services.queue.submit(document_id, delay=2.0)
    time.sleep(1.0)
    status = rig.document(document_id).status
    if time.monotonic() - submitted < 1.9:  # not if this process was stalled past the delay
        assert status == "pending"
    assert rig.wait_finished(document_id).status == "ready"
    assert time.monotonic() - submitted >= 2.0


def test_a_failing_attempt_is_retried_until_the_cause_is_gone(rig):
    data = samples.png_page(["Giấy xác nhận", "Lần thử lại"])
    document_id = rig.pending_document(data, store=False)  # the original is not in storage (yet)
    rig.services.queue.submit(document_id)
    rig.wait(document_id, lambda d: d.attempts >= 2)  # the first attempt failed, the retry has begun
    rig.store_original(data)  # the storage is back
    document = rig.wait_finished(document_id)
    assert document.status == "ready" and 2 <= document.attempts <= docs.MAX_ATTEMPTS, rig.logs()
    rig.assert_stored_once()


def test_attempts_back_off_then_end_as_a_dead_letter(rig):
    document_id = rig.pending_document(samples.png_page(), store=False)
    started = time.monotonic()
    rig.services.queue.submit(document_id)
    document = rig.wait_finished(document_id)
    first = rig.services.settings.retry_delay_s
    assert time.monotonic() - started >= first + 2 * first, "retries wait longer and longer"
    assert (document.status, document.error_code, document.attempts) == ("failed", "dead_letter", docs.MAX_ATTEMPTS)
    with rig.services.db.session() as s:
        assert [d.id for d in docs.dead_letters(s)] == [document_id]
