"""Admin API: retention schedules (versioned), documents past retention, reviews, owners' death dates."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api import policy
from api.auth import require
from api.deps import ServicesDep, SessionDep
from api.inputs import Input
from catalog.audit import Actor, record
from catalog.owners import find_owner, owner_ref
from catalog.records_models import RetentionEvent
from catalog.users import Role
from core.errors import Invalid, NotFound
from records import retention
from records.retention import Assessment

router = APIRouter(prefix="/api/v1/admin", tags=["admin: retention"])

Archivist = Annotated[Actor, require(Role.archivist)]
TypeCode = Annotated[str, Path(max_length=32, pattern=r"^[A-Za-z0-9._-]+$")]


class RuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    document_type_code: str
    document_type_name: str | None = None
    version: int
    years: int | None = Field(description="null: kept permanently")
    event: str | None
    basis: str | None
    source: str
    created_by: str | None
    created_at: datetime


class RuleSet(Input):
    years: int | Literal["permanent"] = Field(description="Whole years to keep, or \"permanent\"")
    event: RetentionEvent | None = Field(None, description="What the years count from (not for permanent)")
    basis: str | None = Field(None, max_length=2000, description="Legal basis or note")


class DueOut(BaseModel):
    document_id: str
    document_type_code: str | None
    digitization_code: str | None
    owner: str | None
    rule_version: int
    years: int
    event: str
    event_date: date
    due_on: date
    held_by: list[int]

    @classmethod
    def of(cls, a: Assessment) -> DueOut:
        return cls(document_id=a.document.id, document_type_code=a.document.document_type_code,
                   digitization_code=a.document.digitization_code, owner=owner_ref(a.document.owner),
                   rule_version=a.rule.version, years=a.rule.years, event=a.rule.event, event_date=a.event_date,
                   due_on=a.due_on, held_by=a.holds)


class DuePage(BaseModel):
    items: list[DueOut]
    next_after: str | None
    """Pass as ``after`` for the next page; null on the last page."""


class ReviewOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    trigger: str
    due: int
    held: int
    by_type: dict[str, dict[str, int]]


class DeathIn(Input):
    died_on: date | None = Field(description="Date of death; null withdraws a wrongly recorded date")
    source: str = Field(min_length=1, max_length=500, description="Evidence, e.g. the death extract's number")


class OwnerDeathOut(BaseModel):
    owner: str
    died_on: date | None


def _rule_out(rule, names: dict[str, str]) -> RuleOut:
    out = RuleOut.model_validate(rule)
    out.document_type_name = names.get(rule.document_type_code)
    return out


@router.get("/retention/rules", response_model=list[RuleOut])
def list_rules(actor: Archivist, session: SessionDep) -> list[RuleOut]:
    """The rule in force (newest version) for each document type."""
    names = retention.document_type_names(session)
    return [_rule_out(r, names) for r in retention.current_rules(session).values()]


@router.get("/retention/rules/{code}", response_model=list[RuleOut])
def rule_history(code: TypeCode, actor: Archivist, session: SessionDep) -> list[RuleOut]:
    """Every version of one type's rule, oldest first."""
    names = retention.document_type_names(session)
    return [_rule_out(r, names) for r in retention.rule_history(session, code)]


@router.put("/retention/rules/{code}", response_model=RuleOut)
def set_rule(code: TypeCode, body: RuleSet, actor: Archivist, session: SessionDep) -> RuleOut:
    """Add a new version of a type's rule (old versions stay, disposals name the one they used)."""
    rule = retention.set_rule(session, actor, code, body.years, body.event.value if body.event else None, body.basis)
    return _rule_out(rule, retention.document_type_names(session))


@router.get("/retention/due", response_model=DuePage)
def due(actor: Archivist, session: SessionDep,
        document_type: Annotated[str | None, Query(max_length=32)] = None,
        include_held: bool = False,
        after: Annotated[str, Query(max_length=32, description="Document id the previous page ended at")] = "",
        limit: Annotated[int, Query(ge=1, le=500)] = 100) -> DuePage:
    """Documents past their retention term, by document id (held ones only when asked)."""
    items: list[Assessment] = []
    for a in retention.iter_due(session, document_type=document_type, include_held=include_held,
                                after=after, batch=max(limit, 100)):
        if len(items) == limit:
            break
        items.append(a)
    next_after = items[-1].document.id if len(items) == limit else None
    shown = [a.document.id for a in items]
    record(session, actor, "retention.due_list", "document", None, None, document_type=document_type,
           shown=shown, cross_office=policy.documents_cross_office(session, actor, shown))
    return DuePage(items=[DueOut.of(a) for a in items], next_after=next_after)


@router.post("/retention/reviews", response_model=ReviewOut)
async def review_now(actor: Archivist, services: ServicesDep) -> ReviewOut:
    """Run the retention review now (it also runs on the schedule) and keep its counts."""
    review = await run_in_threadpool(retention.review_retention, services, "api")
    return ReviewOut.model_validate(review)


@router.get("/retention/reviews/latest", response_model=ReviewOut)
def latest_review(actor: Archivist, session: SessionDep) -> ReviewOut:
    review = retention.latest_review(session)
    if review is None:
        raise NotFound("no_review", "Chưa có lần rà soát thời hạn bảo quản nào.")
    return ReviewOut.model_validate(review)


@router.put("/owners/{ref}/death", response_model=OwnerDeathOut)
def record_death(ref: Annotated[str, Path(max_length=12)], body: DeathIn, actor: Archivist,
                 session: SessionDep) -> OwnerDeathOut:
    """Record (or withdraw) an owner's date of death: the event of rules counted from it."""
    owner = find_owner(session, ref)
    if owner is None:
        raise NotFound("owner_not_found", f"Không tìm thấy chủ sở hữu '{ref}'.")
    if body.died_on is not None and body.died_on > retention.today_local():
        raise Invalid("date_in_future", "Ngày mất không thể sau ngày hôm nay.")
    previous, owner.died_on = owner.died_on, body.died_on
    record(session, actor, "owner.death_date", "owner", str(owner.id), owner_ref(owner), died_on=body.died_on,
           previous=previous, source=body.source)
    return OwnerDeathOut(owner=owner_ref(owner), died_on=owner.died_on)
