"""Type proposal and fields for pages OCR'd outside the service (``sohoa ocr --json``)."""
from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from catalog import classifier, fields
from catalog.catalogs import active_catalog

log = logging.getLogger(__name__)


def describe(settings, pages: Sequence[Any]) -> dict[str, Any]:
    """Type proposal and fields for pages OCR'd outside the service (``sohoa ocr --json``), with the
    catalog and classifier model of the local installation (created on first use)."""
    from catalog.catalogs import open_database
    from storage import open_storage

    db = open_database(settings.resolved_database_url())
    try:
        store = open_storage(settings.storage_url, default_dir=settings.data_dir / "objects")
        proposal = classifier.propose(db, store, [p.text for p in pages])
        with db.session() as s:
            extraction = fields.extract(list(pages), active_catalog(s))
    finally:
        db.dispose()
    body = proposal.to_json()
    return {"document_type": body["document_type"], "alternatives": body["alternatives"],
            "needs_review": body["needs_review"], "fields": extraction.to_json()}
