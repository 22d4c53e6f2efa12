"""Admin API: the audit log — query by owner, user, action, object and date range; verify the chain."""
from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from api import policy
from api.auth import require
from api.deps import ServicesDep, SessionDep
from api.params import MAX_ID
from catalog.audit import Actor, AuditEntry, record
from catalog.users import Role
from records.audit_anchor import verify_log, write_checkpoint
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
    legacy_entries: int = Field(description="Entries from before the chain was keyed (SHA-256 links only)")
    checkpoints: int = Field(description="Checkpoints kept outside the catalog that the log was compared with")
    checkpoint_problems: list[str]


class CheckpointOut(BaseModel):
    at: datetime
    count: int
    last_id: int
    head: str
    object_key: str
    object_locked: bool


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
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
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
def verify_chain(actor: Archivist, services: ServicesDep) -> ChainOut:
    """The log against its keyed hashes and the checkpoints in the object store and the local file."""
    result = verify_log(services)
    report = result.chain
    with services.db.session() as s:
        record(s, actor, "audit.verify", "audit", None, None, ok=result.ok, entries=report.entries,
               broken_at=report.broken_at, checkpoints=report.checkpoints)
    return ChainOut(ok=result.ok, entries=report.entries, broken_at=report.broken_at, reason=report.reason,
                    legacy_entries=report.legacy, checkpoints=report.checkpoints,
                    checkpoint_problems=result.problems)


@router.post("/checkpoints", response_model=CheckpointOut, status_code=status.HTTP_201_CREATED)
def checkpoint(actor: Archivist, services: ServicesDep) -> CheckpointOut:
    """Write a signed checkpoint now (the service writes one every ``audit_checkpoint_every_minutes``)."""
    with services.db.session() as s:
        record(s, actor, "audit.checkpoint", "audit", None, None)
    written = write_checkpoint(services)
    c = written.checkpoint
    return CheckpointOut(at=c.at, count=c.count, last_id=c.last_id, head=c.head, object_key=written.object_key,
                         object_locked=written.locked)
