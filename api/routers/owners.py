"""Owners (chủ sở hữu): one record per citizen, found by any of their codes; merging two."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from sqlalchemy import select

from api import policy
from api.auth import require
from api.deps import ServicesDep, SessionDep
from api.params import OwnerCode
from api.reuse_schemas import MergeIn, MergeOut, OwnerDetailOut, OwnerDossierOut
from catalog import indexing, merge
from catalog.audit import Actor, record
from catalog.models import Dossier, Owner
from catalog.owners import find_owner, owner_ref
from catalog.users import Role
from core.errors import NotFound

router = APIRouter(prefix="/api/v1/owners", tags=["owners"])

Staff = Annotated[Actor, require(Role.counter, Role.handler, Role.archivist)]
Archivist = Annotated[Actor, require(Role.archivist)]


def _detail(session, owner: Owner) -> OwnerDetailOut:
    dossiers = session.scalars(select(Dossier).where(Dossier.owner_id == owner.id).order_by(Dossier.received_at.desc()))
    return OwnerDetailOut(
        personal_id=owner.personal_id, social_insurance_code=owner.social_insurance_code, full_name=owner.full_name,
        aliases=[a.code for a in owner.aliases],
        merges=[MergeOut.model_validate(m) for m in merge.merges_of(session, owner.id)],
        documents=merge.document_count(session, owner.id),
        dossiers=[OwnerDossierOut.model_validate(d) for d in dossiers],
    )


@router.get("/{code}", response_model=OwnerDetailOut)
def read_owner(code: OwnerCode, actor: Staff, session: SessionDep) -> OwnerDetailOut:
    """An owner by personal ID, social-insurance code or a code kept from a merge: both codes,
    merges, dossiers (newest first) and how many papers are digitized."""
    owner = find_owner(session, code)
    if owner is None:
        raise NotFound("owner_not_found", "Không tìm thấy chủ sở hữu với mã này.")
    record(session, actor, "owner.read", "owner", str(owner.id), owner_ref(owner), looked_up=code,
           cross_office=policy.owner_cross_office(session, actor, owner.id))
    return _detail(session, owner)


@router.post("/{code}/merge", response_model=OwnerDetailOut)
def merge_owner(code: OwnerCode, body: MergeIn, actor: Archivist, services: ServicesDep) -> OwnerDetailOut:
    """Merge the owner named in the body into this one (archivists): codes, documents, dossiers and
    holds move here, the old codes keep finding this owner; who and why are recorded."""
    with services.db.session() as s:
        outcome = merge.merge_owners(s, code, body.merge, body.reason, actor)
        documents, survivor_id = outcome.documents, outcome.survivor.id
    indexing.refresh(services.db, services.index, documents)  # their owner codes changed
    with services.db.session() as s:
        return _detail(s, s.get(Owner, survivor_id))
