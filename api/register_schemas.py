"""API shapes of the dossier register: transitions, history, steps, papers, apology letters."""
from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from api import policy
from catalog import register
from catalog.audit import Actor
from catalog.deadlines import load_calendar, local_day
from catalog.models import Dossier
from catalog.register_models import ApologyLetter, DossierEvent
from catalog.steps import STEP_KINDS, plan
from core.errors import Invalid


class TransitionIn(BaseModel):
    action: str = Field(..., max_length=64, description=", ".join(register.ACTIONS))
    reason: str | None = Field(None, max_length=20_000,
                               description=f"Required for return, request_supplement and withdraw; "
                                           f"at most {register.MAX_REASON} characters")
    assignee: str | None = Field(None, max_length=64, description="start/assign: username of the handler")
    department: str | None = Field(None, max_length=32, description="start/assign: department of the procedure's steps")
    version: int | None = Field(None, description="The dossier version acted on; refused (409) once it changed")


class EventOut(BaseModel):
    id: int
    at: datetime
    action: str
    from_status: str
    to_status: str
    actor: str
    role: str
    reason: str | None
    assignee: str | None
    department: str | None
    due_at: datetime | None
    paper: str | None = Field(description="Link to the paper this transition handed out (PDF)")

    @classmethod
    def of(cls, code: str, e: DossierEvent) -> EventOut:
        paper = None
        if e.paper == "apology_letter":
            paper = f"/api/v1/dossiers/{code}/apology-letters"
        elif e.paper:
            paper = f"/api/v1/dossiers/{code}/papers/{e.id}"
        return cls(id=e.id, at=e.at, action=e.action, from_status=e.from_status, to_status=e.to_status,
                   actor=e.actor, role=e.role, reason=e.reason, assignee=e.assignee, department=e.department,
                   due_at=e.due_at, paper=paper)


class StepOut(BaseModel):
    kind: str
    label: str
    department: str
    working_days: int
    due_on: date | None
    current: bool


class ActionOut(BaseModel):
    action: str
    needs_reason: bool = Field(description="A written reason is required")
    assigns: bool = Field(description="May name the handler (assignee) and department")


def actions_for(actor: Actor, dossier: Dossier) -> list[ActionOut]:
    """What the caller may do to the dossier now: the register's table for its role and the
    dossier's state, and nothing on another office's dossier (the transition would be refused)."""
    if not policy.may_write(actor, dossier.office_code):
        return []
    return [ActionOut(action=a, needs_reason=register.ACTIONS[a].needs_reason, assigns=a in register.ASSIGNING)
            for a in register.allowed_actions(dossier.status, actor.role)]


class RegisterOut(BaseModel):
    status: str
    status_label: str
    closed: bool = Field(description="Resolved, returned or withdrawn: nothing more happens to it")
    version: int
    assignee: str | None
    department: str | None
    received_by: str | None
    resolved_at: datetime | None
    overdue: bool
    paused_at: datetime | None = Field(description="The clock stopped here, waiting for a supplement")
    remaining_working_days: int | None
    steps: list[StepOut]
    history: list[EventOut]
    allowed_actions: list[ActionOut] = Field(description="The transitions the caller may take now, in the "
                                                         "register's order; empty on a closed dossier")
    links: dict[str, str]


def _current_step(dossier: Dossier, steps: list) -> int | None:
    if not steps:
        return None
    if dossier.department:
        for i, s in enumerate(steps):
            if s.department == dossier.department and s.kind == "processing":
                return i
    if dossier.status == register.Status.received.value:
        return 0
    if dossier.status in register.CLOSED:
        return len(steps) - 1
    return next((i for i, s in enumerate(steps) if s.kind == "processing"), 0)


def register_view(session: Session, dossier: Dossier, actor: Actor) -> RegisterOut:
    steps = register.procedure_steps(session, dossier.procedure_code)
    dues: list[date | None] = [None] * len(steps)
    if dossier.due_at is not None:
        try:
            dues = [d for _, d in plan(steps, local_day(dossier.due_at), load_calendar(session))]
        except Invalid:  # a year the calendar does not know: the steps are shown without dates
            pass
    current = _current_step(dossier, steps)
    base = f"/api/v1/dossiers/{dossier.code}"
    return RegisterOut(
        status=dossier.status, status_label=register.STATUS_VI[register.Status(dossier.status)],
        closed=dossier.status in register.CLOSED,
        version=dossier.version, assignee=dossier.assignee, department=dossier.department,
        received_by=dossier.received_by, resolved_at=dossier.resolved_at, overdue=register.is_overdue(dossier),
        paused_at=dossier.paused_at, remaining_working_days=dossier.remaining_days,
        steps=[StepOut(kind=s.kind, label=STEP_KINDS[s.kind], department=s.department, working_days=s.days,
                       due_on=due, current=i == current) for i, (s, due) in enumerate(zip(steps, dues))],
        history=[EventOut.of(dossier.code, e) for e in register.history(session, dossier.id)],
        allowed_actions=actions_for(actor, dossier),
        links={"receipt": f"{base}/receipt", "transitions": f"{base}/transitions",
               "apology_letters": f"{base}/apology-letters", "assignees": f"{base}/assignees"},
    )


class ApologyIn(BaseModel):
    reason: str = Field(..., max_length=20_000)
    new_due_on: date = Field(..., description="The new appointment date (a working day after today)")


class ApologyOut(BaseModel):
    number: int
    reason: str
    previous_due_at: datetime
    new_due_at: datetime
    created_at: datetime
    created_by: str
    links: dict[str, str]

    @classmethod
    def of(cls, code: str, a: ApologyLetter) -> ApologyOut:
        return cls(number=a.number, reason=a.reason, previous_due_at=a.previous_due_at, new_due_at=a.new_due_at,
                   created_at=a.created_at, created_by=a.created_by,
                   links={"pdf": f"/api/v1/dossiers/{code}/apology-letters/{a.number}"})


class AssigneeOut(BaseModel):
    """A staff member the dossier may be assigned to (staff, not a citizen's data)."""
    username: str
    full_name: str | None


class TransitionOut(BaseModel):
    event: EventOut
    lifecycle: RegisterOut
