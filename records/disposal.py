"""Disposal (huỷ tài liệu hết thời hạn bảo quản) in reviewed batches.

An archivist proposes a batch of documents past retention; an admin other than the proposer
approves it; execution then destroys, per document:

1. in one transaction: the document is weighed again (a hold placed since approval withholds
   it), a tombstone keeps its codes, hash and dates, its page text and personal fields are wiped,
   its status becomes ``disposed``, and the item records which objects to delete;
2. its search-index entry (one index commit per chunk of documents), its searchable PDF and
   text, and its original unless another live document has the same bytes (checked while
   document writes are locked, so an upload of the same file at that moment cannot lose it);
3. the item is marked destroyed.

Each step is idempotent, so a batch cut short anywhere is finished by running it again: a
document is either untouched or disposed in the catalog, never half; objects left behind by a
crash are deleted by the rerun. When every item is done, a certificate (JSON, and a PDF a person
can sign) is stored and its checksums kept for the fixity check.
"""
from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, inspect, select, text
from sqlalchemy.orm import Session, selectinload

from catalog.audit import Actor, record
from catalog.dossiers import next_counter
from catalog.links import dossiers_of
from catalog.models import Component, Document, DocumentStatus, Page
from catalog.owners import owner_ref
from catalog.records_models import (
    OPEN_STATES,
    BatchState,
    DisposalBatch,
    DisposalItem,
    ItemState,
    RetentionRule,
    Tombstone,
)
from catalog.signatures import discard_signature
from core.clock import LOCAL_TZ, utcnow
from core.errors import Conflict, Invalid, NotFound
from records.certificate import render_disposal_certificate
from records.fixity import forget_checksums, record_checksum
from records.parts import Indexed
from records.retention import assess, document_type_names, load_schedule, refuse_undisposable

log = logging.getLogger(__name__)

MAX_BATCH = 1000
CHUNK = 50  # documents purged between two index commits
CERTIFICATE_FORMAT = "sohoa-disposal-certificate/1"


# Document columns a tombstone keeps: identity, codes, hash, dates, processing and review facts.
# Every other column (file name, OCR classification, extracted fields, owner name, abstract,
# signer, notes...) is wiped, including columns added later: keeping must be a decision.
KEPT_COLUMNS = frozenset({
    "id", "sha256", "media_type", "size", "warnings", "owner_id", "status", "error_code", "page_count", "pages_done",
    "mean_confidence", "attempts", "document_type_code", "created_at", "updated_at", "kind", "parent_id",
    "digitization_code", "catalog_version_id", "type_status", "type_confidence", "type_confirmed_by",
    "type_confirmed_at", "national_store_code", "procedure_code", "sector", "document_number", "issue_date",
    "issuing_agency", "issuer_symbol", "owner_code", "valid_until", "permanent", "certified_copy",
    "digitized_by", "digitized_at", "review_status", "reviewed_by", "reviewed_at",
})


# ---------------------------------------------------------------- proposal and review

def get_batch(session: Session, batch_id: int, *, lock: bool = False) -> DisposalBatch:
    batch = session.get(DisposalBatch, batch_id, with_for_update=lock)
    if batch is None:
        raise NotFound("batch_not_found", f"Không tìm thấy đợt huỷ số {batch_id}.")
    return batch


def batch_items(session: Session, batch_id: int) -> list[DisposalItem]:
    return list(session.scalars(select(DisposalItem).where(DisposalItem.batch_id == batch_id)
                                .order_by(DisposalItem.id)))


def list_batches(session: Session, *, state: BatchState | None = None, offset: int = 0,
                 limit: int = 50) -> list[DisposalBatch]:
    stmt = select(DisposalBatch).order_by(DisposalBatch.id.desc()).offset(offset).limit(limit)
    if state is not None:
        stmt = stmt.where(DisposalBatch.state == state.value)
    return list(session.scalars(stmt))


def _wrong_state(batch: DisposalBatch, doing: str) -> Conflict:
    return Conflict("wrong_batch_state",
                    f"Đợt huỷ {batch.code} đang ở trạng thái '{batch.state}', không thể {doing}.")


def _documents(session: Session, ids: Sequence[str]) -> list[Document]:
    found = {d.id: d for d in session.scalars(select(Document).options(selectinload(Document.owner))
                                              .where(Document.id.in_(ids)))}
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound("document_not_found", f"Không tìm thấy tài liệu: {', '.join(missing[:10])}.")
    return [found[i] for i in ids]


def propose_batch(session: Session, actor: Actor, document_ids: Sequence[str], note: str | None, agency: str,
                  today: date | None = None) -> DisposalBatch:
    """An archivist's proposal: every document must be due and free of holds, or nothing is proposed."""
    ids = list(dict.fromkeys(document_ids))
    if not ids or len(ids) > MAX_BATCH:
        raise Invalid("invalid_batch_size", f"Mỗi đợt huỷ gồm từ 1 đến {MAX_BATCH} tài liệu.")
    documents = _documents(session, ids)
    taken = session.execute(
        select(DisposalItem.document_id, DisposalBatch.code).join(DisposalBatch)
        .where(DisposalItem.document_id.in_(ids), DisposalBatch.state.in_(OPEN_STATES),
               DisposalItem.state.in_([ItemState.pending.value, ItemState.purged.value]))).all()
    if taken:
        raise Conflict("already_in_batch", "Tài liệu đã nằm trong đợt huỷ khác: "
                       + ", ".join(f"{doc} ({code})" for doc, code in taken[:10]))
    assessments = assess(session, documents, today=today)
    refuse_undisposable(assessments)
    year = datetime.now(LOCAL_TZ).year
    prefix = f"{agency}-HUY-{year}"
    batch = DisposalBatch(code=f"{prefix}-{next_counter(session, prefix):04d}", state=BatchState.proposed.value,
                          note=note, proposed_by=actor.username, proposed_at=utcnow())
    session.add(batch)
    session.flush()
    session.add_all(DisposalItem(batch_id=batch.id, document_id=a.document.id, rule_id=a.rule.id,
                                 event_date=a.event_date, due_on=a.due_on, state=ItemState.pending.value)
                    for a in assessments)
    record(session, actor, "disposal.propose", "disposal_batch", batch.code, None, documents=ids, note=note)
    return batch


def approve_batch(session: Session, actor: Actor, batch_id: int, note: str | None,
                  today: date | None = None) -> DisposalBatch:
    """An admin's approval: never the proposer's own, and only while every document is still due."""
    batch = get_batch(session, batch_id, lock=True)
    if batch.state != BatchState.proposed.value:
        raise _wrong_state(batch, "phê duyệt")
    if actor.username == batch.proposed_by:
        raise Conflict("same_person", "Người phê duyệt phải khác người đề xuất đợt huỷ.")
    items = batch_items(session, batch.id)
    refuse_undisposable(assess(session, _documents(session, [i.document_id for i in items]), today=today))
    batch.state, batch.decided_by, batch.decided_at, batch.decision_note = (
        BatchState.approved.value, actor.username, utcnow(), note)
    record(session, actor, "disposal.approve", "disposal_batch", batch.code, None, note=note, documents=len(items))
    return batch


def reject_batch(session: Session, actor: Actor, batch_id: int, note: str | None) -> DisposalBatch:
    batch = get_batch(session, batch_id, lock=True)
    if batch.state not in (BatchState.proposed.value, BatchState.approved.value):
        raise _wrong_state(batch, "từ chối")
    batch.state, batch.decided_by, batch.decided_at, batch.decision_note = (
        BatchState.rejected.value, actor.username, utcnow(), note)
    record(session, actor, "disposal.reject", "disposal_batch", batch.code, None, note=note)
    return batch


# ---------------------------------------------------------------- execution

def execute_batch(services: Indexed, batch_id: int, actor: Actor, *, today: date | None = None) -> None:
    """Destroy an approved batch, or finish one a crash cut short. Safe to run again at any time."""
    with services.db.session() as s:
        batch = get_batch(s, batch_id, lock=True)
        if batch.state == BatchState.completed.value:
            return
        if batch.state not in (BatchState.approved.value, BatchState.executing.value):
            raise _wrong_state(batch, "thực hiện huỷ")
        if batch.state == BatchState.approved.value:
            batch.state, batch.executed_by, batch.execution_started_at = (
                BatchState.executing.value, actor.username, utcnow())
            record(s, actor, "disposal.execute", "disposal_batch", batch.code, None)
        else:
            record(s, actor, "disposal.resume", "disposal_batch", batch.code, None)
        open_items = list(s.scalars(
            select(DisposalItem.id).where(DisposalItem.batch_id == batch_id,
                                          DisposalItem.state.in_([ItemState.pending.value, ItemState.purged.value]))
            .order_by(DisposalItem.id)))
    for start in range(0, len(open_items), CHUNK):
        purged = [(item_id, keys) for item_id in open_items[start:start + CHUNK]
                  if (keys := _purge(services, item_id, actor, today)) is not None]
        if purged:  # one index commit per chunk, not per document
            services.index.delete([keys["index"] for _, keys in purged])
        for item_id, keys in purged:
            _destroy_objects(services, item_id, keys)
    _complete(services, batch_id, actor)


def resume_disposals(services: Indexed, actor: Actor) -> list[str]:
    """Start-up: finish batches a killed process left executing. Returns their codes."""
    with services.db.session() as s:
        batches = list(s.execute(select(DisposalBatch.id, DisposalBatch.code)
                                 .where(DisposalBatch.state == BatchState.executing.value)))
    for batch_id, code in batches:
        log.info("resuming disposal batch %s, interrupted while executing", code)
        execute_batch(services, batch_id, actor)
    return [code for _, code in batches]


def _purge(services: Indexed, item_id: int, actor: Actor, today: date | None) -> dict | None:
    """Step 1, one transaction: tombstone, wipe, mark disposed. Returns the objects to delete."""
    with services.db.session() as s:
        item = s.get(DisposalItem, item_id, with_for_update=True)
        if item.state == ItemState.purged.value:
            return item.object_keys
        if item.state != ItemState.pending.value:
            return None
        batch = s.get(DisposalBatch, item.batch_id)
        document = s.get(Document, item.document_id, with_for_update=True)
        [verdict] = assess(s, [document], today=today)
        who = owner_ref(document.owner)
        if not verdict.disposable:
            item.state, item.reason, item.done_at = ItemState.withheld.value, verdict.verdict.value, utcnow()
            record(s, actor, "disposal.withhold", "document", document.id, who, batch=batch.code,
                   reason=verdict.verdict.value, holds=verdict.holds)
            return None
        s.add(_tombstone(s, document, batch, verdict.rule, verdict.event_date, verdict.due_on, who))
        _wipe(s, document)
        keys = {"index": document.id, "derived": [document.pdf_key, document.text_key,
                                                  *discard_signature(s, document.id)],
                "original": document.original_key, "sha256": document.sha256}
        item.state, item.object_keys = ItemState.purged.value, keys
        record(s, actor, "document.dispose", "document", document.id, who, batch=batch.code,
               rule=f"{verdict.rule.document_type_code}@{verdict.rule.version}")
        return keys


def _tombstone(session: Session, document: Document, batch: DisposalBatch, rule: RetentionRule,
               event_date: date | None, due_on: date | None, who: str | None) -> Tombstone:
    dossiers = dossiers_of(session, [document.id]).get(document.id, [])
    components = session.scalars(select(Component.component_code).where(Component.document_id == document.id))
    dates = {k: getattr(document, k) for k in ("created_at", "digitized_at", "issue_date", "valid_until")}
    return Tombstone(
        document_id=document.id, batch_id=batch.id, rule_id=rule.id, disposed_at=utcnow(), sha256=document.sha256,
        size=document.size, media_type=document.media_type, document_type_code=document.document_type_code,
        digitization_code=document.digitization_code, owner_ref=who,
        facts={
            "dossier_codes": [d.code for d in dossiers],
            "component_codes": sorted({c for c in components if c}),
            "document_number": document.document_number, "issuer_symbol": document.issuer_symbol,
            "national_store_code": document.national_store_code, "procedure_code": document.procedure_code,
            "kind": document.kind, "page_count": document.page_count,
            **{k: v.isoformat() if v else None for k, v in dates.items()},
            "rule": {"document_type_code": rule.document_type_code, "version": rule.version, "years": rule.years,
                     "event": rule.event, "source": rule.source},
            "event_date": event_date.isoformat() if event_date else None,
            "due_on": due_on.isoformat() if due_on else None,
        })


def _wipe(session: Session, document: Document) -> None:
    """Delete the page text and blank every column the tombstone does not keep."""
    session.execute(delete(Page).where(Page.document_id == document.id))
    session.expire(document, ["pages"])
    for attr in inspect(Document).column_attrs:
        if attr.key in KEPT_COLUMNS:
            continue
        [column] = attr.columns
        value = getattr(document, attr.key)
        if column.nullable:
            setattr(document, attr.key, None)
        elif isinstance(value, (str, dict, list)):
            setattr(document, attr.key, type(value)())
        else:
            raise RuntimeError(f"document.{attr.key} is required and not in KEPT_COLUMNS: "
                               "decide how disposal treats it")
    document.status = DocumentStatus.disposed.value


def _lock_document_writes(session: Session) -> None:
    """Hold off new documents until this transaction ends. SQLite transactions already hold the
    database's write lock (BEGIN IMMEDIATE); PostgreSQL needs a table lock that blocks writers."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE document IN SHARE MODE"))


def _destroy_objects(services: Indexed, item_id: int, keys: dict) -> None:
    """Step 2 and 3 (its index entry is gone): derived objects, the original unless still used;
    then the item is destroyed."""
    for key in keys["derived"]:
        services.store.delete(key)
    with services.db.session() as s:
        _lock_document_writes(s)
        still_used = s.scalar(select(Document.id).where(Document.sha256 == keys["sha256"],
                                                        Document.status != DocumentStatus.disposed.value).limit(1))
        if still_used is None:
            services.store.delete(keys["original"])
    with services.db.session() as s:
        item = s.get(DisposalItem, item_id, with_for_update=True)
        forget_checksums(s, keys["derived"])
        if item.state == ItemState.purged.value:
            item.state, item.done_at = ItemState.destroyed.value, utcnow()
            item.object_keys = {**keys, "original_kept": still_used is not None}


def _complete(services: Indexed, batch_id: int, actor: Actor) -> None:
    """Issue the certificate once every item is done; the batch is then completed."""
    with services.db.session() as s:
        batch = get_batch(s, batch_id, lock=True)
        if batch.state != BatchState.executing.value:
            return
        items = batch_items(s, batch_id)
        if any(i.state in (ItemState.pending.value, ItemState.purged.value) for i in items):
            return  # another executor is still at work; it completes the batch
        now = utcnow()
        certificate = certificate_json(s, batch, items, services.settings.agency_code, now)
        as_json = json.dumps(certificate, ensure_ascii=False, indent=2).encode()
        as_pdf = render_disposal_certificate(certificate, hashlib.sha256(as_json).hexdigest())
        stored = {}
        for kind, data, media_type in (("json", as_json, "application/json"), ("pdf", as_pdf, "application/pdf")):
            key = f"certificates/disposal/{batch.code}.{kind}"
            services.store.put_bytes(key, data, content_type=media_type)
            digest = hashlib.sha256(data).hexdigest()
            record_checksum(s, key, digest, len(data), "disposal-certificate")
            stored[kind] = (key, digest)
        (batch.certificate_json_key, batch.certificate_json_sha256) = stored["json"]
        (batch.certificate_pdf_key, batch.certificate_pdf_sha256) = stored["pdf"]
        batch.state, batch.completed_at = BatchState.completed.value, now
        destroyed = sum(i.state == ItemState.destroyed.value for i in items)
        record(s, actor, "disposal.complete", "disposal_batch", batch.code, None, destroyed=destroyed,
               withheld=len(items) - destroyed, certificate_sha256=stored["json"][1])
    log.info("disposal batch %s completed: %d destroyed, %d withheld", batch.code, destroyed, len(items) - destroyed)


# ---------------------------------------------------------------- the certificate

def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value else None


def certificate_json(session: Session, batch: DisposalBatch, items: Sequence[DisposalItem], agency: str,
                     completed_at: datetime) -> dict[str, Any]:
    tombstones = {t.document_id: t for t in session.scalars(
        select(Tombstone).where(Tombstone.batch_id == batch.id))}
    names = document_type_names(session)
    schedule = load_schedule()
    destroyed, withheld = [], []
    for item in items:
        if item.state != ItemState.destroyed.value:
            withheld.append({"document_id": item.document_id, "reason": item.reason})
            continue
        t = tombstones[item.document_id]
        destroyed.append({
            "document_id": t.document_id, "digitization_code": t.digitization_code,
            "document_type_code": t.document_type_code, "document_type_name": names.get(t.document_type_code or ""),
            "owner_ref": t.owner_ref, "sha256": t.sha256, "size": t.size, "media_type": t.media_type,
            "disposed_at": _iso(t.disposed_at), "original_kept_for_other_documents": item.object_keys["original_kept"],
            **t.facts,
        })
    return {
        "format": CERTIFICATE_FORMAT,
        "title": "Biên bản huỷ tài liệu hết thời hạn bảo quản",
        "agency": agency,
        "batch": {"code": batch.code, "note": batch.note, "proposed_by": batch.proposed_by,
                  "proposed_at": _iso(batch.proposed_at), "approved_by": batch.decided_by,
                  "approved_at": _iso(batch.decided_at), "approval_note": batch.decision_note,
                  "executed_by": batch.executed_by, "execution_started_at": _iso(batch.execution_started_at),
                  "completed_at": _iso(completed_at)},
        "totals": {"destroyed": len(destroyed), "withheld": len(withheld),
                   "bytes": sum(d["size"] for d in destroyed)},
        "sample_schedule": schedule.sample and any(d["rule"]["source"] == schedule.version for d in destroyed),
        "destroyed": destroyed,
        "withheld": withheld,
    }
