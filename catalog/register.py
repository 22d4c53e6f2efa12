"""The dossier register: a dossier's lifecycle from reception to result, return or withdrawal.

    received → in_progress → (supplement_requested → in_progress)* → resolved | returned | withdrawn

Every action has the roles that may take it and the states it may start from; those that turn
the citizen away or ask more of them need a written reason. A transition locks the dossier's row
(and bumps its version), writes its history row and its audit entry in one transaction, so of two
handlers acting at once exactly one wins and the other is told the dossier changed. The clock
stops while a supplement is awaited: the working days left are counted again from its arrival.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from catalog import outbox
from catalog.audit import Actor, record
from catalog.catalogs import active_catalog
from catalog.deadlines import WorkCalendar, end_of_day, load_calendar, local_day
from catalog.models import Dossier
from catalog.owners import owner_ref
from catalog.register_models import DossierEvent
from catalog.steps import Step, departments, parse_steps
from catalog.assignees import is_assignable
from catalog.users import Role
from core.clock import utcnow
from core.errors import Conflict, Forbidden, Invalid, NotFound

MAX_REASON = 1000


class Status(str, enum.Enum):
    received = "received"
    in_progress = "in_progress"
    supplement_requested = "supplement_requested"
    resolved = "resolved"
    returned = "returned"
    withdrawn = "withdrawn"


STATUS_VI = {
    Status.received: "mới tiếp nhận",
    Status.in_progress: "đang giải quyết",
    Status.supplement_requested: "chờ bổ sung hồ sơ",
    Status.resolved: "đã giải quyết xong",
    Status.returned: "đã trả lại hồ sơ",
    Status.withdrawn: "công dân đã rút hồ sơ",
}
CLOSED = frozenset({Status.resolved.value, Status.returned.value, Status.withdrawn.value})
RUNNING = (Status.received.value, Status.in_progress.value)
"""States in which the clock runs (a dossier waiting for a supplement is not late)."""
ROLE_VI = {"counter": "cán bộ Một cửa", "handler": "cán bộ xử lý", "archivist": "cán bộ lưu trữ", "admin": "quản trị"}

_OPEN = frozenset({Status.received.value, Status.in_progress.value, Status.supplement_requested.value})


@dataclass(frozen=True)
class Action:
    roles: frozenset[str]
    sources: frozenset[str]
    target: str | None           # None: the state stays (assignment)
    needs_reason: bool
    paper: str | None            # the paper this action hands the citizen
    label: str                   # "Không thể <label> hồ sơ ..."


_C, _H = Role.counter.value, Role.handler.value
ACTIONS: dict[str, Action] = {
    "start": Action(frozenset({_C, _H}), frozenset({Status.received.value}), Status.in_progress.value, False,
                    None, "bắt đầu xử lý"),
    "assign": Action(frozenset({_C, _H}), frozenset(RUNNING), None, False, None, "phân công xử lý"),
    "request_supplement": Action(frozenset({_C, _H}), frozenset(RUNNING), Status.supplement_requested.value, True,
                                 "supplement_request", "yêu cầu bổ sung"),
    "supplement_received": Action(frozenset({_C}), frozenset({Status.supplement_requested.value}),
                                  Status.in_progress.value, False, None, "ghi nhận hồ sơ bổ sung cho"),
    "resolve": Action(frozenset({_H}), frozenset({Status.in_progress.value}), Status.resolved.value, False, None,
                      "ghi nhận giải quyết xong"),
    "return": Action(frozenset({_C, _H}), _OPEN, Status.returned.value, True, "return_notice", "trả lại"),
    "withdraw": Action(frozenset({_C}), _OPEN, Status.withdrawn.value, True, None, "ghi nhận rút"),
}


@dataclass(frozen=True)
class Request:
    action: str
    reason: str | None = None
    assignee: str | None = None
    department: str | None = None
    version: int | None = None
    """The version the clerk saw: when given and no longer current, the transition is refused."""


ASSIGNING = frozenset({"start", "assign"})
"""The actions that may name the handler (and department) the dossier goes to."""


def allowed(action: str, role: str) -> bool:
    return role == Role.admin.value or role in ACTIONS[action].roles


def allowed_actions(status: str, role: str) -> list[str]:
    """The actions ``role`` may take on a dossier in ``status``, read from :data:`ACTIONS` (in its order)."""
    return [name for name, rule in ACTIONS.items() if status in rule.sources and allowed(name, role)]


def _reason(rule: Action, reason: str | None) -> str | None:
    text = (reason or "").strip()
    if len(text) > MAX_REASON:
        raise Invalid("reason_too_long", f"Lý do tối đa {MAX_REASON} ký tự (đang có {len(text)}).")
    if rule.needs_reason and not text:
        raise Invalid("reason_required", "Cần ghi rõ lý do bằng văn bản cho thao tác này.")
    return text or None


def procedure_steps(session: Session, procedure_code: str) -> list[Step]:
    """The steps of the procedure in the catalog in force (none when the catalog gives none)."""
    row = active_catalog(session).procedures.get(procedure_code) or {}
    return parse_steps(row.get("steps") or [])


def _check_assignment(session: Session, dossier: Dossier, assignee: str | None, department: str | None) -> None:
    if assignee is not None and not is_assignable(session, dossier.office_code, assignee):
        raise Invalid("unknown_assignee", f"Không có cán bộ xử lý '{assignee}' đang làm việc tại đơn vị của hồ sơ.")
    if department is not None:
        known = departments(procedure_steps(session, dossier.procedure_code))
        if department not in known:
            raise Invalid("unknown_department", f"Phòng '{department}' không tham gia giải quyết thủ tục "
                                                f"{dossier.procedure_code} (các phòng: {', '.join(sorted(known)) or 'không có'}).")


def lock_dossier(session: Session, code: str) -> Dossier:
    """The dossier's row, locked until the transaction ends (PostgreSQL: FOR UPDATE; SQLite: every
    write transaction already holds the database's write lock)."""
    dossier = session.scalars(select(Dossier).where(Dossier.code == code).with_for_update()
                              .execution_options(populate_existing=True)).first()
    if dossier is None:
        raise NotFound("dossier_not_found", f"Không tìm thấy hồ sơ '{code}'.")
    return dossier


def transition(session: Session, code: str, request: Request, actor: Actor, *, cutoff: time,
               now: datetime | None = None) -> DossierEvent:
    rule = ACTIONS.get(request.action)
    if rule is None:
        raise Invalid("unknown_action", f"Thao tác '{request.action}' không có; chọn một trong: "
                                        f"{', '.join(ACTIONS)}.")
    if not allowed(request.action, actor.role):
        raise Forbidden("action_forbidden", f"Vai trò {ROLE_VI.get(actor.role, actor.role)} không được "
                                            f"{rule.label} hồ sơ.")
    reason = _reason(rule, request.reason)
    if request.action == "assign" and not (request.assignee or request.department):
        raise Invalid("assignee_required", "Cần chọn cán bộ hoặc phòng được phân công.")
    if request.action not in ASSIGNING and (request.assignee or request.department):
        raise Invalid("assignment_not_allowed", "Chỉ chọn cán bộ, phòng xử lý khi bắt đầu xử lý hoặc phân công.")
    dossier = lock_dossier(session, code)
    if request.version is not None and request.version != dossier.version:
        raise Conflict("dossier_changed", f"Hồ sơ {code} vừa được người khác cập nhật; tải lại hồ sơ rồi "
                                          "thực hiện lại.")
    if dossier.status not in rule.sources:
        when = " hoặc ".join(STATUS_VI[s] for s in Status if s.value in rule.sources)
        raise Conflict("illegal_transition", f"Không thể {rule.label} hồ sơ {code} vì hồ sơ "
                                             f"{STATUS_VI[Status(dossier.status)]}; chỉ làm được khi hồ sơ {when}.")
    if request.action in ASSIGNING:
        _check_assignment(session, dossier, request.assignee, request.department)
    now = now or utcnow()
    return _apply(session, dossier, request.action, rule, reason, request, actor, cutoff, now)


def _apply(session: Session, dossier: Dossier, action: str, rule: Action, reason: str | None, request: Request,
           actor: Actor, cutoff: time | None, now: datetime) -> DossierEvent:
    """``cutoff`` is needed by the actions that stop or restart the clock only."""
    before = dossier.status
    if request.assignee is not None:
        dossier.assignee = request.assignee
    if request.department is not None:
        dossier.department = request.department
    if action in ("request_supplement", "supplement_received"):
        assert cutoff is not None, "pausing and resuming the clock count with the cut-off"
        calendar = load_calendar(session)
    if action == "request_supplement":
        dossier.paused_at = now
        dossier.remaining_days = _days_left(calendar, dossier, now, cutoff)
    elif action == "supplement_received":
        dossier.due_at = end_of_day(_resumed_due_day(calendar, now, dossier.remaining_days or 0, cutoff))
        dossier.paused_at, dossier.remaining_days = None, None
    elif action == "resolve":
        dossier.resolved_at = now
    if rule.target is not None:
        dossier.status = rule.target
    if dossier.status in CLOSED:
        dossier.paused_at, dossier.remaining_days = None, None
    flag_modified(dossier, "status")  # every transition bumps the version, even one changing no column
    event = DossierEvent(dossier_id=dossier.id, at=now, action=action, from_status=before, to_status=dossier.status,
                         actor=actor.username, role=actor.role, reason=reason, assignee=request.assignee,
                         department=request.department, due_at=dossier.due_at, paper=rule.paper)
    session.add(event)
    try:
        session.flush()
    except StaleDataError:
        raise Conflict("dossier_changed", f"Hồ sơ {dossier.code} vừa được người khác cập nhật; tải lại hồ sơ "
                                          "rồi thực hiện lại.") from None
    record(session, actor, f"dossier.{action}", "dossier", dossier.code, owner_ref(dossier.owner),
           event_id=event.id, from_status=before, to_status=dossier.status, assignee=request.assignee,
           department=request.department, reason_given=reason is not None)
    outbox.enqueue(session, dossier, f"event:{event.id}")
    return event


def _days_left(calendar: WorkCalendar, dossier: Dossier, now: datetime, cutoff: time) -> int:
    """Working days between the pause and the due day; negative when the dossier was already late
    (the days it was late by), so that resuming does not wipe the lateness out."""
    if dossier.due_at is None:
        return 0
    due, today = local_day(dossier.due_at), local_day(now)
    if now < dossier.due_at:
        return calendar.working_days_between(calendar.counting_start(now, cutoff), due)
    return -calendar.working_days_between(due, today)


def _resumed_due_day(calendar: WorkCalendar, now: datetime, days_left: int, cutoff: time) -> date:
    start = calendar.counting_start(now, cutoff)
    if days_left >= 0:
        return calendar.add_working_days(start, days_left)
    return calendar.subtract_working_days(start, -days_left)


def resolve_by_hand_over(session: Session, dossier: Dossier, actor: Actor, every_result_handed_over: bool) -> None:
    """Handing over the last result resolves the dossier when its procedure says so (the hand-over
    is the authorised act; the handler's 'resolve' role is not asked for again)."""
    row = active_catalog(session).procedures.get(dossier.procedure_code) or {}
    if not (row.get("hand_over_resolves") and every_result_handed_over and dossier.status == Status.in_progress.value):
        return
    dossier = lock_dossier(session, dossier.code)
    if dossier.status == Status.in_progress.value:
        _apply(session, dossier, "resolve", ACTIONS["resolve"], "Đã trao kết quả cho công dân", Request("resolve"),
               actor, None, utcnow())


def history(session: Session, dossier_id: int) -> list[DossierEvent]:
    return list(session.scalars(select(DossierEvent).where(DossierEvent.dossier_id == dossier_id)
                                .order_by(DossierEvent.id)))


def is_overdue(dossier: Dossier, now: datetime | None = None) -> bool:
    return dossier.status in RUNNING and dossier.due_at is not None and dossier.due_at < (now or utcnow())
