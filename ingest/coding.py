"""The pipeline step after OCR: document type, fields and digitization code, or for a whole-dossier
batch scan, its split plan (split at once when separator sheets mark every paper)."""
from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from catalog import classifier, fields
from catalog.audit import Actor
from catalog.catalogs import active_catalog
from catalog.digitization import CONFIRMED, NEEDS_REVIEW, code_document, uploader_of
from catalog.models import Document
from core.errors import Rejected

log = logging.getLogger(__name__)


def code_after_ocr(services, document_id: str, pages: Sequence[Any]) -> None:
    """Pipeline step between OCR and indexing: classify, extract, code. Never fails the document:
    if classification breaks, the paper is flagged for review instead. A batch scan is planned
    for splitting instead (and split at once when separator sheets mark every paper)."""
    with services.db.session() as s:
        kind = s.scalar(select(Document.kind).where(Document.id == document_id))
    if kind == "batch":
        plan_split(services, document_id, pages)
        return
    proposal = None
    try:
        proposal = classifier.propose(services.db, services.store, [p.text for p in pages])
    except Exception:  # noqa: BLE001 - a person classifies it instead
        log.exception("classifying %s failed; flagged for review", document_id)
    try:
        with services.db.session() as s:
            document = s.get(Document, document_id, with_for_update=True)  # serialised with people's edits
            if document is None:
                return
            catalog = active_catalog(s)
            extraction = fields.extract(list(pages), catalog)
            if proposal is None and document.type_status != CONFIRMED:
                _flag_failed(document)
            code_document(s, document, catalog, proposal, extraction)
    except Rejected:
        raise  # no catalog in force: an operator must act; the pipeline retries
    except Exception:  # noqa: BLE001 - the text is there; a person codes the paper
        log.exception("coding %s failed; flagged for review", document_id)
        with services.db.session() as s:
            document = s.get(Document, document_id, with_for_update=True)
            if document is not None and document.type_status != CONFIRMED:
                _flag_failed(document)


def _flag_failed(document: Document) -> None:
    document.type_status = NEEDS_REVIEW
    document.classification = {"document_type": None, "alternatives": [], "needs_review": True,
                               "reasons": ["classification_failed"]}


def plan_split(services, document_id: str, pages: Sequence[Any]) -> None:
    from ingest import splitting

    plan = splitting.plan_batch(services, document_id, pages)
    with services.db.session() as s:
        document = s.get(Document, document_id, with_for_update=True)
        already = (document.fields or {}).get("split", {}).get("applied", False)
        document.fields = {"split": {**plan.to_json(), "applied": already}}
        uploader = uploader_of(s, document_id)
    if plan.by_separators and not plan.warnings and not already:
        actor = Actor(uploader or "system", "counter", None)
        splitting.split_batch(services, document_id, plan.segments, actor)
        mark_split(services, document_id, plan.to_json(), actor.username)


def mark_split(services, document_id: str, plan: dict[str, Any], username: str) -> None:
    with services.db.session() as s:
        document = s.get(Document, document_id, with_for_update=True)
        document.fields = {"split": {**plan, "applied": True, "applied_by": username}}
