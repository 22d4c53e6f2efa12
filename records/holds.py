"""Legal holds (lệnh tạm giữ): while a hold is in force on an owner, a dossier or a document, none of
the documents it covers can be disposed of, whatever their retention schedule says.

A hold is never deleted: releasing it records who released it, when and why, so the history of
what was frozen stays readable next to the audit log.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from catalog.audit import Actor, record
from catalog.dossiers import get_dossier
from catalog.links import dossiers_of
from catalog.models import Document, Dossier, Owner
from catalog.owners import find_owner, owner_ref
from catalog.records_models import HoldScope, LegalHold
from core.clock import utcnow
from core.errors import Conflict, Invalid, NotFound


def _target(session: Session, scope: HoldScope, ref: str) -> tuple[dict, str | None]:
    """The hold's foreign key for ``ref``, and the owner the audit entry names."""
    if scope is HoldScope.owner:
        owner = find_owner(session, ref)
        if owner is None:
            raise NotFound("owner_not_found", f"Không tìm thấy chủ sở hữu '{ref}'.")
        return {"owner_id": owner.id}, owner_ref(owner)
    if scope is HoldScope.dossier:
        dossier = get_dossier(session, ref)
        return {"dossier_id": dossier.id}, owner_ref(dossier.owner)
    document = session.get(Document, ref)
    if document is None:
        raise NotFound("document_not_found", f"Không tìm thấy tài liệu '{ref}'.")
    return {"document_id": document.id}, owner_ref(document.owner)


def place_hold(session: Session, actor: Actor, scope: HoldScope, ref: str, reason: str) -> LegalHold:
    if not reason.strip():
        raise Invalid("reason_required", "Cần ghi rõ lý do tạm giữ (văn bản, vụ việc).")
    target, who = _target(session, scope, ref)
    hold = LegalHold(scope=scope.value, target_ref=ref, reason=reason.strip(), placed_by=actor.username,
                     placed_at=utcnow(), **target)
    session.add(hold)
    session.flush()
    record(session, actor, "hold.place", "legal_hold", str(hold.id), who, scope=scope.value, target=ref,
           reason=hold.reason)
    return hold


def get_hold(session: Session, hold_id: int, *, lock: bool = False) -> LegalHold:
    hold = session.get(LegalHold, hold_id, with_for_update=lock)
    if hold is None:
        raise NotFound("hold_not_found", f"Không tìm thấy lệnh tạm giữ số {hold_id}.")
    return hold


def release_hold(session: Session, actor: Actor, hold_id: int, reason: str) -> LegalHold:
    hold = get_hold(session, hold_id, lock=True)
    if not hold.active:
        raise Conflict("hold_already_released",
                       f"Lệnh tạm giữ số {hold_id} đã được giải toả ngày {hold.released_at:%d/%m/%Y}.")
    if not reason.strip():
        raise Invalid("reason_required", "Cần ghi rõ lý do giải toả lệnh tạm giữ.")
    hold.released_by, hold.released_at, hold.release_reason = actor.username, utcnow(), reason.strip()
    record(session, actor, "hold.release", "legal_hold", str(hold.id), hold_owner_ref(session, hold),
           scope=hold.scope, target=hold.target_ref, reason=hold.release_reason)
    return hold


def hold_owner_ref(session: Session, hold: LegalHold) -> str | None:
    """The owner whose records the hold covers, as the audit log names owners."""
    if hold.owner_id is not None:
        return owner_ref(session.get(Owner, hold.owner_id))
    if hold.dossier_id is not None:
        return owner_ref(session.get(Dossier, hold.dossier_id).owner)
    return owner_ref(session.get(Document, hold.document_id).owner)


def list_holds(session: Session, *, active: bool | None = None, scope: HoldScope | None = None,
               offset: int = 0, limit: int = 50) -> list[LegalHold]:
    stmt = select(LegalHold).order_by(LegalHold.id.desc()).offset(offset).limit(limit)
    if active is not None:
        stmt = stmt.where(LegalHold.released_at.is_(None) if active else LegalHold.released_at.is_not(None))
    if scope is not None:
        stmt = stmt.where(LegalHold.scope == scope.value)
    return list(session.scalars(stmt))


def holds_on(session: Session, documents: Collection[Document]) -> dict[str, list[LegalHold]]:
    """document id -> the holds in force that cover it (documents without any are left out)."""
    if not documents:
        return {}
    dossiers = dossiers_of(session, [d.id for d in documents])
    owner_ids = {d.owner_id for d in documents if d.owner_id is not None}
    dossier_ids = {x.id for ds in dossiers.values() for x in ds}
    clauses = [LegalHold.document_id.in_([d.id for d in documents])]
    if owner_ids:
        clauses.append(LegalHold.owner_id.in_(owner_ids))
    if dossier_ids:
        clauses.append(LegalHold.dossier_id.in_(dossier_ids))
    holds = list(session.scalars(select(LegalHold).where(LegalHold.released_at.is_(None), or_(*clauses))))
    covering: dict[str, list[LegalHold]] = defaultdict(list)
    for document in documents:
        mine = {x.id for x in dossiers.get(document.id, [])}
        for hold in holds:
            if (hold.document_id == document.id or (hold.owner_id is not None and hold.owner_id == document.owner_id)
                    or hold.dossier_id in mine):
                covering[document.id].append(hold)
    return dict(covering)

