"""Admin API: legal holds on an owner, a dossier or a document."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field

from api import policy
from api.auth import require
from api.deps import SessionDep
from api.inputs import Input
from api.params import Offset, RowId
from catalog import scope as office_scope
from catalog.audit import Actor, record
from catalog.records_models import HoldScope, LegalHold
from catalog.users import Role
from records import holds

router = APIRouter(prefix="/api/v1/admin/holds", tags=["admin: legal holds"])

Archivist = Annotated[Actor, require(Role.archivist)]


class HoldIn(Input):
    scope: HoldScope
    ref: str = Field(min_length=1, max_length=64,
                     description="Owner's personal ID / insurance code, dossier code, or document id")
    reason: str = Field(min_length=1, max_length=2000, description="Why: the request, case or decision number")


class ReleaseIn(Input):
    reason: str = Field(min_length=1, max_length=2000)


class HoldOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    scope: str
    target_ref: str
    reason: str
    placed_by: str
    placed_at: datetime
    active: bool
    released_by: str | None
    released_at: datetime | None
    release_reason: str | None


@router.post("", response_model=HoldOut, status_code=status.HTTP_201_CREATED)
def place(body: HoldIn, actor: Archivist, session: SessionDep) -> HoldOut:
    """A hold on a dossier or a document is placed within the archivist's offices; one on an owner anywhere."""
    if body.scope == HoldScope.dossier:
        policy.ensure_dossier_write(session, actor, body.ref)
    elif body.scope == HoldScope.document:
        policy.ensure_document_write(session, actor, body.ref)
    return HoldOut.model_validate(holds.place_hold(session, actor, body.scope, body.ref, body.reason))


@router.get("", response_model=list[HoldOut])
def list_holds(actor: Archivist, session: SessionDep, active: bool | None = None, scope: HoldScope | None = None,
               offset: Offset = 0,
               limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[HoldOut]:
    found = holds.list_holds(session, active=active, scope=scope, offset=offset, limit=limit)
    # Who is under a hold is itself sensitive: the listing is recorded.
    record(session, actor, "hold.list", "legal_hold", None, None, shown=[h.id for h in found],
           cross_office=any(_cross_office(session, actor, h) for h in found))
    return [HoldOut.model_validate(h) for h in found]


@router.get("/{hold_id}", response_model=HoldOut)
def read_hold(hold_id: RowId, actor: Archivist, session: SessionDep) -> HoldOut:
    hold = holds.get_hold(session, hold_id)
    record(session, actor, "hold.read", "legal_hold", str(hold.id), holds.hold_owner_ref(session, hold),
           cross_office=_cross_office(session, actor, hold))
    return HoldOut.model_validate(hold)


def _cross_office(session, actor: Actor, hold: LegalHold) -> bool:
    """A hold shows whose records are under it: one on another office's dossier or document counts."""
    if hold.scope == HoldScope.dossier.value:
        return policy.cross_office(actor, [office_scope.dossier_office(session, hold.target_ref)[1]])
    if hold.scope == HoldScope.document.value:
        return policy.documents_cross_office(session, actor, [hold.target_ref])
    return False  # an owner is a citizen, not one office's record


@router.post("/{hold_id}/release", response_model=HoldOut)
def release(hold_id: RowId, body: ReleaseIn, actor: Archivist, session: SessionDep) -> HoldOut:
    return HoldOut.model_validate(holds.release_hold(session, actor, hold_id, body.reason))
