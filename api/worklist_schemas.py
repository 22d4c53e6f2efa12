"""API shapes of worklists (GET /api/v1/dossiers)."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from api.schemas import OwnerOut
from catalog.models import Dossier
from catalog.register import is_overdue


class WorkItemOut(BaseModel):
    code: str
    procedure_code: str
    procedure_name: str
    status: str
    office_code: str | None
    assignee: str | None
    department: str | None
    received_at: datetime
    due_at: datetime | None
    overdue: bool
    owner: OwnerOut | None

    @classmethod
    def of(cls, d: Dossier, now: datetime) -> WorkItemOut:
        return cls(code=d.code, procedure_code=d.procedure_code, procedure_name=d.procedure.name, status=d.status,
                   office_code=d.office_code, assignee=d.assignee, department=d.department,
                   received_at=d.received_at, due_at=d.due_at, overdue=is_overdue(d, now), owner=OwnerOut.of(d.owner))


class WorklistOut(BaseModel):
    total: int
    page: int
    size: int
    counts: dict[str, int]
    items: list[WorkItemOut]
