"""The dossier register over HTTP: transitions, the counter's papers, apology letters, worklists.

Handlers stay thin (parse, call catalog/, audit, shape) so that an office-boundary policy can be
added as one more dependency."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.auth import require
from api.deps import ServicesDep, SessionDep
from api.params import DossierCode, RowId
from api import policy
from api.policy import DOSSIER
from api.register_schemas import (ApologyIn, ApologyOut, AssigneeOut, EventOut, TransitionIn, TransitionOut,
                                  register_view)
from api.worklist_schemas import WorkItemOut, WorklistOut
from catalog import papers, register, worklist
from catalog.apologies import letters_of, record_apology
from catalog.assignees import assignable_handlers
from catalog.audit import Actor, record
from catalog.dossiers import get_dossier
from catalog.owners import owner_ref
from catalog.register_models import DossierEvent
from catalog.users import Role
from core.clock import utcnow
from core.errors import NotFound

router = APIRouter(prefix="/api/v1/dossiers", tags=["register"])

Staff = Annotated[Actor, require(Role.counter, Role.handler, writes=DOSSIER)]
Reader = Annotated[Actor, require(Role.counter, Role.handler, Role.archivist)]
_PDF = {200: {"content": {"application/pdf": {}}}}


def _pdf(data: bytes, name: str) -> Response:
    return Response(data, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})


@router.get("", response_model=WorklistOut)
def list_dossiers(
    actor: Reader, session: SessionDep,
    status_: Annotated[str | None, Query(alias="status", max_length=32)] = None,
    assignee: Annotated[str | None, Query(max_length=64, description="Handlers see their own unless 'all'")] = None,
    office: Annotated[str | None, Query(max_length=32, description="Counters see their office's by default")] = None,
    overdue: bool | None = None,
    due_before: date | None = None,
    procedure: Annotated[str | None, Query(max_length=32)] = None,
    q: Annotated[str | None, Query(max_length=40, description="Dossier code (prefix) or owner ID")] = None,
    sort: Annotated[str, Query(max_length=16, description="due (due date order) or overdue_first "
                                                          "(the late dossiers first, each part by due date)")] = "due",
    page: Annotated[int, Query(ge=1, le=worklist.MAX_PAGE)] = 1,
    size: Annotated[int, Query(ge=1, le=worklist.MAX_PAGE_SIZE)] = 50,
) -> WorklistOut:
    """A worklist sorted by due date (or overdue first, across all pages), with counts per status over
    the same filters."""
    if assignee is None and actor.role == Role.handler.value:
        assignee = actor.username
    if office is None and actor.role == Role.counter.value:
        office = actor.office_code
    filters = worklist.Filters(status=status_, assignee=None if assignee == "all" else assignee, office=office,
                               overdue=overdue, due_before=due_before, procedure=procedure, q=q, sort=sort)
    now = utcnow()
    found = worklist.worklist(session, filters, page=page, size=size, now=now)
    record(session, actor, "dossier.list", "dossier", None, None, shown=len(found.dossiers),
           cross_office=policy.cross_office(actor, [d.office_code for d in found.dossiers]),
           filters={k: v for k, v in vars(filters).items() if v is not None and k != "q"}, by_owner=bool(q))
    return WorklistOut(total=found.total, page=page, size=size, counts=found.counts,
                       items=[WorkItemOut.of(d, now) for d in found.dossiers])


@router.post("/{code}/transitions", response_model=TransitionOut)
def transition(code: DossierCode, body: TransitionIn, actor: Staff, services: ServicesDep,
               session: SessionDep) -> TransitionOut:
    """Move the dossier on (start, assign, request_supplement, supplement_received, resolve,
    return, withdraw). An action the dossier's state does not allow is a 409 saying why."""
    event = register.transition(session, code, register.Request(body.action, body.reason, body.assignee,
                                                                body.department, body.version),
                                actor, cutoff=services.settings.receipt_cutoff)
    dossier = get_dossier(session, code)
    return TransitionOut(event=EventOut.of(code, event),
                         lifecycle=register_view(session, dossier, actor))


@router.get("/{code}/assignees", response_model=list[AssigneeOut])
def assignees(code: DossierCode, actor: Staff, session: SessionDep) -> list[AssigneeOut]:
    """The handlers the dossier may be assigned to: active, of the dossier's office. Only for those
    who may assign it (its office's counters and handlers)."""
    dossier = get_dossier(session, code)
    return [AssigneeOut(username=u.username, full_name=u.full_name)
            for u in assignable_handlers(session, dossier.office_code)]


@router.get("/{code}/receipt", response_class=Response, responses=_PDF)
def receipt(code: DossierCode, actor: Reader, services: ServicesDep, session: SessionDep) -> Response:
    """Giấy tiếp nhận hồ sơ và hẹn trả kết quả (Mẫu 01), with a QR code of the dossier code."""
    dossier = get_dossier(session, code)
    record(session, actor, "dossier.receipt", "dossier", code, owner_ref(dossier.owner),
           cross_office=policy.cross_office(actor, [dossier.office_code]))
    return _pdf(papers.receipt(session, dossier, services.settings.agency_code), f"{code}-tiep-nhan.pdf")


@router.get("/{code}/papers/{event_id}", response_class=Response, responses=_PDF)
def transition_paper(code: DossierCode, event_id: RowId, actor: Reader, services: ServicesDep,
                     session: SessionDep) -> Response:
    """The supplement request (Mẫu 02) or return notice (Mẫu 03) a transition handed out."""
    dossier = get_dossier(session, code)
    event = session.get(DossierEvent, event_id)
    if event is None or event.dossier_id != dossier.id or event.paper not in ("supplement_request", "return_notice"):
        raise NotFound("paper_not_found", "Thao tác này của hồ sơ không kèm phiếu nào.")
    record(session, actor, "dossier.paper", "dossier", code, owner_ref(dossier.owner), event_id=event_id,
           cross_office=policy.cross_office(actor, [dossier.office_code]),
           paper=event.paper)
    return _pdf(papers.notice(session, dossier, event, services.settings.agency_code), f"{code}-{event.paper}.pdf")


@router.post("/{code}/apology-letters", status_code=status.HTTP_201_CREATED, response_model=ApologyOut)
def create_apology(code: DossierCode, body: ApologyIn, actor: Staff, session: SessionDep) -> ApologyOut:
    """Record an apology letter for an overdue dossier; its new date becomes the appointment."""
    return ApologyOut.of(code, record_apology(session, code, body.reason, body.new_due_on, actor))


@router.get("/{code}/apology-letters", response_model=list[ApologyOut])
def list_apologies(code: DossierCode, actor: Reader, session: SessionDep) -> list[ApologyOut]:
    dossier = get_dossier(session, code)
    record(session, actor, "dossier.apology_letters_read", "dossier", code, owner_ref(dossier.owner),
           cross_office=policy.cross_office(actor, [dossier.office_code]))
    return [ApologyOut.of(code, a) for a in letters_of(session, dossier.id)]


@router.get("/{code}/apology-letters/{number}", response_class=Response, responses=_PDF)
def apology_pdf(code: DossierCode, number: RowId, actor: Reader, services: ServicesDep, session: SessionDep) -> Response:
    """Phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)."""
    dossier = get_dossier(session, code)
    letter = next((a for a in letters_of(session, dossier.id) if a.number == number), None)
    if letter is None:
        raise NotFound("apology_letter_not_found", f"Hồ sơ {code} không có phiếu xin lỗi số {number}.")
    record(session, actor, "dossier.apology_letter_read", "dossier", code, owner_ref(dossier.owner), number=number,
           cross_office=policy.cross_office(actor, [dossier.office_code]))
    return _pdf(papers.apology(session, dossier, letter, services.settings.agency_code),
                f"{code}-xin-loi-{number}.pdf")
