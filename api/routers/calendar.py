"""The holiday calendar: the counter's due-date preview, and archivists' import and export."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel

from api.auth import ALL_ROLES, require
from api.deps import ServicesDep, SessionDep
from catalog import holidays
from catalog.audit import Actor
from catalog.deadlines import MAX_WORKING_DAYS, end_of_day, preview
from catalog.users import Role
from core.errors import Invalid

router = APIRouter(tags=["calendar"])

Anyone = Annotated[Actor, require(*ALL_ROLES)]
Archivist = Annotated[Actor, require(Role.archivist)]


class DayOffOut(BaseModel):
    date: date
    kind: str
    name: str


class DueDateOut(BaseModel):
    received_at: datetime
    counts_from: date
    working_days: int
    due_on: date
    due_at: datetime
    skipped: list[DayOffOut]
    provisional_years: list[int]


@router.get("/api/v1/calendar/due-date", response_model=DueDateOut)
def due_date(actor: Anyone, services: ServicesDep, session: SessionDep,
             received_at: Annotated[datetime, Query(description="ISO date-time; without offset: Vietnam time")],
             working_days: Annotated[int, Query(ge=0, le=MAX_WORKING_DAYS)]) -> DueDateOut:
    """When is it ready? The due date a dossier received then would get."""
    p = preview(session, received_at, working_days, services.settings.receipt_cutoff)
    return DueDateOut(received_at=p.received_at, counts_from=p.counts_from, working_days=p.working_days,
                      due_on=p.due_on, due_at=end_of_day(p.due_on),
                      skipped=[DayOffOut(date=d.day, kind=d.kind, name=d.name) for d in p.skipped],
                      provisional_years=p.provisional_years)


@router.get("/api/v1/admin/calendar", tags=["admin"])
def export_calendar(actor: Archivist, session: SessionDep,
                    years: Annotated[list[int] | None, Query(description="Years to export; all by default")] = None,
                    ) -> dict[str, Any]:
    """The calendar in the import format (``sohoa-holidays/1``)."""
    missing = sorted(set(years or []) - set(holidays.stored_years(session)))
    if missing:
        raise Invalid("calendar_year_missing", f"Chưa có lịch ngày nghỉ năm {', '.join(map(str, missing))}.")
    return holidays.export(session, years)


@router.post("/api/v1/admin/calendar", tags=["admin"])
def import_calendar(actor: Archivist, session: SessionDep, body: Annotated[Any, Body()],
                    dry_run: bool = False) -> dict[str, Any]:
    """Replace the years given (a year's document, or ``{"format", "years": [...]}``). Refused
    whole (422, with the problems) if any day is wrong or a statutory holiday is missing."""
    return holidays.import_calendar(session, body, actor=actor, source="api", dry_run=dry_run).to_json()


