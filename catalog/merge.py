"""Merging two owners that are one citizen (hợp nhất chủ sở hữu).

It happens when two codes of one person were first met apart — a dossier brought the
social-insurance code, another the personal ID — or a code was mistyped. An archivist (or admin)
merges the *merged* owner into the *survivor*, giving a reason:

- the merged owner's codes move to the survivor where it has none of that kind, else they become
  aliases of the survivor; either way every old code still finds the citizen (``find_owner``,
  intake, search), and its aliases from earlier merges follow;
- its documents, dossiers and legal holds move to the survivor, in the same transaction;
- a merge record keeps who, when, why, the merged owner's codes and name, and what moved; the
  audit log gets an entry under each of the two owners;
- the merged owner's row stays, empty of codes, pointing at the survivor.

Digitization codes already given keep the old ID they were built from: they are the papers' own
codes and other records cite them. The caller re-indexes the survivor's documents (the codes
their index entries carry changed).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from catalog.audit import Actor, record
from catalog.models import Document, Dossier, Owner, OwnerAlias, OwnerMerge
from catalog.owners import find_owner, owner_ref
from catalog.records_models import LegalHold
from core.errors import Invalid, NotFound

CODE_KINDS = ("personal_id", "social_insurance_code")
MIN_REASON_CHARS = 10


@dataclass(frozen=True)
class MergeOutcome:
    merge: OwnerMerge
    survivor: Owner
    documents: list[str]  # the survivor's documents, all: their index entries name its codes


def merge_owners(session: Session, survivor_code: str, merged_code: str, reason: str, actor: Actor) -> MergeOutcome:
    if len((reason or "").strip()) < MIN_REASON_CHARS:
        raise Invalid("reason_required", "Cần ghi rõ lý do hợp nhất (ít nhất 10 ký tự).")
    survivor, merged = _owner(session, survivor_code), _owner(session, merged_code)
    if survivor.id == merged.id:
        raise Invalid("same_owner", "Hai mã này đã thuộc cùng một chủ sở hữu.")
    # Lock both rows (lower id first, so two opposite merges cannot deadlock).
    for owner in sorted((survivor, merged), key=lambda o: o.id):
        session.refresh(owner, with_for_update=True)
    row = OwnerMerge(survivor_id=survivor.id, merged_id=merged.id, merged_personal_id=merged.personal_id,
                     merged_social_insurance_code=merged.social_insurance_code, merged_full_name=merged.full_name,
                     reason=reason.strip(), merged_by=actor.username, moved={})
    session.add(row)
    merged_ref = owner_ref(merged)
    codes = {kind: getattr(merged, kind) for kind in CODE_KINDS}
    for kind in CODE_KINDS:
        setattr(merged, kind, None)
    merged.merged_into_id = survivor.id
    session.flush()  # the codes are free before the survivor takes them (unique columns)
    for kind, code in codes.items():
        if code is None:
            continue
        if getattr(survivor, kind) is None:
            setattr(survivor, kind, code)
        else:
            session.add(OwnerAlias(code=code, kind=kind, owner_id=survivor.id, merge_id=row.id))
    survivor.full_name = survivor.full_name or merged.full_name
    survivor.died_on = survivor.died_on or merged.died_on
    row.moved = {
        "documents": _move(session, Document, merged.id, survivor.id),
        "dossiers": _move(session, Dossier, merged.id, survivor.id),
        "legal_holds": _move(session, LegalHold, merged.id, survivor.id),
        "aliases": _move(session, OwnerAlias, merged.id, survivor.id),
    }
    session.flush()
    session.expire(survivor, ["aliases"])
    details = {"merge_id": row.id, "survivor": owner_ref(survivor), "merged": merged_ref, "reason": row.reason,
               "moved": row.moved}
    record(session, actor, "owner.merge", "owner", str(survivor.id), owner_ref(survivor), **details)
    record(session, actor, "owner.merged_away", "owner", str(merged.id), merged_ref, **details)
    documents = list(session.scalars(select(Document.id).where(Document.owner_id == survivor.id)))
    return MergeOutcome(row, survivor, documents)


def _owner(session: Session, code: str) -> Owner:
    owner = find_owner(session, code)
    if owner is None:
        raise NotFound("owner_not_found", f"Không tìm thấy chủ sở hữu với mã '{code}'.")
    return owner


def _move(session: Session, model, from_id: int, to_id: int) -> int:
    return session.execute(update(model).where(model.owner_id == from_id).values(owner_id=to_id)).rowcount


def merges_of(session: Session, owner_id: int) -> list[OwnerMerge]:
    """The merges an owner took part in, oldest first."""
    return list(session.scalars(select(OwnerMerge).where(
        (OwnerMerge.survivor_id == owner_id) | (OwnerMerge.merged_id == owner_id)).order_by(OwnerMerge.id)))


def document_count(session: Session, owner_id: int) -> int:
    return session.scalar(select(func.count(Document.id)).where(Document.owner_id == owner_id))
