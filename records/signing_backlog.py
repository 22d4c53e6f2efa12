"""Signing later what could not be signed when it was decided: ``sohoa sign pending``.

An issued result is signed by the pipeline once its searchable PDF exists; when that fails (the
token was unplugged, the timestamp authority did not answer) the result stays ready and unsigned,
and the log says so. A paper approved while no signing key was configured is unsigned too. Both
are *pending*: approved, ready, with no signed copy. This module finds them and signs each one
in its own transaction, with the officer who approved it named as the signer of the decision.

Idempotent: a paper that has a signed copy — valid or not — is never signed again here (a copy
found altered must be looked at, not sealed over). Two runs at the same time do not both sign a
paper: the document row is locked and the absence of a signature checked again inside the
transaction. Every signing, every failure and every run is audited.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from catalog.audit import Actor, AuditEntry, record
from catalog.digitization import APPROVED
from catalog.models import Document, DocumentStatus
from catalog.owners import owner_ref
from catalog.signatures import DocumentSignature
from core.errors import Rejected
from records.signatures import Signing, sign_document

log = logging.getLogger(__name__)

KINDS = ("result", "component")
TRIGGER = {"result": "result", "component": "approval"}
RUN_ACTION = "signature.sign_pending"


@dataclass(frozen=True)
class Pending:
    document_id: str
    kind: str             # result | component
    reviewed_at: datetime | None


@dataclass
class Report:
    pending: list[Pending]
    signed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # document id -> error code
    dry_run: bool = False


def _unsigned(kinds: tuple[str, ...]):
    return (Document.review_status == APPROVED, Document.status == DocumentStatus.ready.value,
            Document.kind.in_(kinds), ~exists().where(DocumentSignature.document_id == Document.id))


def find_pending(session: Session, kinds: tuple[str, ...] = KINDS, limit: int | None = None) -> list[Pending]:
    """Approved, ready papers without a signed copy, oldest decision first."""
    rows = session.execute(select(Document.id, Document.kind, Document.reviewed_at).where(*_unsigned(kinds))
                           .order_by(Document.reviewed_at, Document.id).limit(limit)).all()
    return [Pending(*row) for row in rows]


def pending_counts(session: Session, kinds: tuple[str, ...] = KINDS) -> dict[str, int]:
    """How many approved, ready papers of each kind wait for a signed copy (the metrics' gauge)."""
    found = dict(session.execute(select(Document.kind, func.count()).where(*_unsigned(kinds))
                                 .group_by(Document.kind)).all())
    return {kind: found.get(kind, 0) for kind in kinds}


def sign_pending(parts: Signing, actor: Actor, *, kinds: tuple[str, ...] = KINDS, dry_run: bool = False,
                 limit: int | None = None) -> Report:
    """Sign every pending paper (or only list them with ``dry_run``); one failure does not stop the rest."""
    with parts.db.session() as s:
        report = Report(find_pending(s, kinds, limit), dry_run=dry_run)
    if not dry_run and parts.signing_key is not None:
        for item in report.pending:
            _sign_one(parts, actor, item, report)
    elif not dry_run:
        report.failed = {p.document_id: "no_signing_key" for p in report.pending}
    with parts.db.session() as s:
        record(s, actor, RUN_ACTION, "signature", None, None, dry_run=dry_run,
               pending=len(report.pending), signed=len(report.signed), failed=len(report.failed),
               kinds=list(kinds))
    if report.signed or report.failed:
        log.info("sign pending: %d signed, %d failed of %d", len(report.signed), len(report.failed),
                 len(report.pending))
    return report


def last_run(session: Session, actor: str) -> datetime | None:
    """When ``actor`` (the scheduler) last ran :func:`sign_pending`, as the audit log remembers it."""
    return session.scalar(select(func.max(AuditEntry.at)).where(AuditEntry.actor == actor,
                                                                 AuditEntry.action == RUN_ACTION))


def _sign_one(parts: Signing, actor: Actor, item: Pending, report: Report) -> None:
    try:
        with parts.db.session() as s:
            # Lock the row first, then ask again in a new statement: it sees a signing another run
            # committed while this one waited for the lock (PostgreSQL, read committed).
            document = s.scalars(select(Document).where(Document.id == item.document_id)
                                 .with_for_update()).one_or_none()
            if document is None or s.scalar(select(Document.id).where(Document.id == document.id,
                                                                      *_unsigned(KINDS))) is None:
                return  # signed, disposed or reopened since the list was read
            row = sign_document(parts, s, document, TRIGGER[document.kind], actor, signed_by=document.reviewed_by)
            if row is not None:
                report.signed.append(item.document_id)
    except Rejected as exc:  # nothing of this signing was committed; the paper stays pending
        report.failed[item.document_id] = exc.code
        log.warning("sign pending: document %s not signed: %s", item.document_id, exc.code)
        with parts.db.session() as s:
            document = s.get(Document, item.document_id)
            record(s, actor, "document.sign_failed", "document", item.document_id,
                   owner_ref(document.owner) if document is not None else None, code=exc.code,
                   trigger=TRIGGER[item.kind])
