"""Admin API: fixity checks — start one, read past runs and what they found."""
from __future__ import annotations

import threading
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict

from api.auth import require
from api.deps import ServicesDep, SessionDep
from api.params import Offset, RowId
from catalog.audit import Actor, record
from catalog.users import Role
from records import fixity

router = APIRouter(prefix="/api/v1/admin/fixity", tags=["admin: fixity"])

Archivist = Annotated[Actor, require(Role.archivist)]


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    trigger: str
    started_by: str | None
    started_at: datetime
    heartbeat_at: datetime
    finished_at: datetime | None
    state: str
    objects_checked: int
    bytes_checked: int
    baselines_recorded: int
    missing: int
    altered: int
    orphans: int
    unreadable: int
    signature_problems: int
    error: str | None


class IssueOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    problem: str
    document_id: str | None
    expected_sha256: str | None
    actual_sha256: str | None
    detail: str | None


class RunDetail(RunOut):
    issues: list[IssueOut]


@router.post("/runs", response_model=RunOut, status_code=status.HTTP_202_ACCEPTED)
def start(actor: Archivist, services: ServicesDep) -> RunOut:
    """Start a full check in the background (409 while one is running); poll the run for its result."""
    run_id = fixity.begin_run(services, "api", actor.username)
    with services.db.session() as s:
        record(s, actor, "fixity.start", "fixity_run", str(run_id), None)
        run = fixity.get_run(s, run_id)
    threading.Thread(target=fixity.check, args=(services, run_id), name=f"fixity-{run_id}", daemon=True).start()
    return RunOut.model_validate(run)


@router.get("/runs", response_model=list[RunOut])
def list_runs(actor: Archivist, session: SessionDep, offset: Offset = 0,
              limit: Annotated[int, Query(ge=1, le=200)] = 20) -> list[RunOut]:
    return [RunOut.model_validate(r) for r in fixity.list_runs(session, offset, limit)]


@router.get("/runs/{run_id}", response_model=RunDetail)
def read_run(run_id: RowId, actor: Archivist, session: SessionDep, issues_offset: Offset = 0,
             issues_limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> RunDetail:
    run = fixity.get_run(session, run_id)
    issues = fixity.run_issues(session, run_id, issues_offset, issues_limit)
    return RunDetail(**RunOut.model_validate(run).model_dump(), issues=[IssueOut.model_validate(i) for i in issues])
