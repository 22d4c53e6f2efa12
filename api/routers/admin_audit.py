"""Admin API: the audit log — query by owner, user, action, object and date range; verify the chain."""
from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api import policy
from api.auth import require
from api.deps import SessionDep
from catalog.audit import Actor, AuditEntry, record, verify
from catalog.users import Role
from records.audit_query import AuditFilter, query_audit

router = APIRouter(prefix="/api/v1/admin/audit", tags=["admin: audit"])

Archivist = Annotated[Actor, require(Role.archivist)]


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    actor: str
    role: str
    office_code: str | None
    action: str
    object_type: str
    object_id: str | None
    owner_ref: str | None
    remote_addr: str | None
    details: dict[str, Any]
    hash: str

    @classmethod
    def of(cls, e: AuditEntry) -> AuditEntryOut:
        return cls(id=e.id, at=e.at, actor=e.actor, role=e.role, office_code=e.office_code, action=e.action,
                   object_type=e.object_type, object_id=e.object_id, owner_ref=e.owner_ref,
                   remote_addr=e.remote_addr, details=json.loads(e.details), hash=e.hash)


class AuditPage(BaseModel):
    entries: list[AuditEntryOut]
    next_before: int | None
    """Pass as ``before`` for the next (older) page; null on the last page."""


class ChainOut(BaseModel):
    ok: bool
    entries: int
    broken_at: int | None
    reason: str | None


@router.get("", response_model=AuditPage)
def query(
    actor: Archivist, session: SessionDep,
    owner: Annotated[str | None, Query(max_length=12, description="Owner's personal ID or insurance code")] = None,
    user: Annotated[str | None, Query(max_length=64, description="Who acted (username)")] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    object_type: Annotated[str | None, Query(max_length=32)] = None,
    object_id: Annotated[str | None, Query(max_length=64)] = None,
    date_from: date | None = None,
    date_to: date | None = None,
    before: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> AuditPage:
    where = AuditFilter(owner, user, action, object_type, object_id, date_from, date_to)
    rows, next_before = query_audit(session, where, before=before, limit=limit)
    # Reading the log shows who touched whose records: that read is itself recorded.
    record(session, actor, "audit.query", "audit", None, owner, shown=len(rows), before=before,
           cross_office=policy.cross_office(actor, {e.office_code for e in rows}),
           filters={"user": user, "action": action, "object_type": object_type, "object_id": object_id,
                    "date_from": date_from, "date_to": date_to})
    return AuditPage(entries=[AuditEntryOut.of(e) for e in rows], next_before=next_before)


@router.get("/verify", response_model=ChainOut)
def verify_chain(actor: Archivist, session: SessionDep) -> ChainOut:
    report = verify(session)
    record(session, actor, "audit.verify", "audit", None, None, ok=report.ok, entries=report.entries,
           broken_at=report.broken_at)
    return ChainOut(ok=report.ok, entries=report.entries, broken_at=report.broken_at, reason=report.reason)
