"""Start-up recovery: finish what a killed process left behind."""
from __future__ import annotations

from catalog import documents as docs
from ingest.intake import forget
from sohoa.services import Services


def recover(services: Services) -> list[str]:
    """Undo uploads that never got their 202; return accepted documents still to process."""
    with services.db.session() as s:
        forget(services, s, docs.abandoned_receipts(s))
    with services.db.session() as s:
        return docs.unfinished(s)
