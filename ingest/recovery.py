"""Start-up recovery: finish what a killed process left behind."""
from __future__ import annotations

import logging
from datetime import timedelta

from catalog import documents as docs
from core.clock import utcnow
from ingest.intake import forget
from ingest.services import Services

log = logging.getLogger(__name__)


def recover(services: Services) -> list[str]:
    """Undo uploads that never got their 202; return accepted documents still to process.

    Only work left untouched for the queue's grace period counts: with several processes on one
    catalog (Celery), younger rows may be an upload or a document another process is handling."""
    before = utcnow() - timedelta(seconds=services.queue.recovery_grace_s)
    with services.db.session() as s:
        abandoned = docs.abandoned_receipts(s, before)
        forget(services, s, abandoned)
    if abandoned:
        log.info("recovery: undid %d uploads interrupted before their 202", len(abandoned))
    with services.db.session() as s:
        return docs.unfinished(s, before)
