"""Apology letters (phiếu xin lỗi và hẹn lại ngày trả kết quả): one for each time a dossier goes
past its due date. Recording one sets the dossier's new appointment; the quarterly report counts
the letters."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog import outbox
from catalog.audit import Actor, record
from catalog.deadlines import end_of_day, load_calendar, local_day
from catalog.owners import owner_ref
from catalog.register import MAX_REASON, is_overdue, lock_dossier
from catalog.register_models import ApologyLetter, DossierEvent
from core.clock import utcnow
from core.errors import Conflict, Invalid


def record_apology(session: Session, code: str, reason: str | None, new_due_on: date, actor: Actor,
                   now: datetime | None = None) -> ApologyLetter:
    now = now or utcnow()
    text = (reason or "").strip()
    if not text:
        raise Invalid("reason_required", "Cần ghi rõ lý do chậm trả kết quả.")
    if len(text) > MAX_REASON:
        raise Invalid("reason_too_long", f"Lý do tối đa {MAX_REASON} ký tự (đang có {len(text)}).")
    if new_due_on <= local_day(now):
        raise Invalid("new_due_date_not_future", "Ngày hẹn trả mới phải sau ngày hôm nay.")
    if not load_calendar(session).is_working(new_due_on):
        raise Invalid("new_due_date_not_working_day",
                      f"Ngày hẹn trả mới {new_due_on:%d/%m/%Y} không phải ngày làm việc.")
    dossier = lock_dossier(session, code)
    if not is_overdue(dossier, now):
        due = f" (hẹn trả {local_day(dossier.due_at):%d/%m/%Y})" if dossier.due_at else ""
        raise Conflict("not_overdue", f"Hồ sơ {code} không quá hạn{due}: chỉ lập phiếu xin lỗi cho hồ sơ đang "
                                      "giải quyết đã quá hạn trả kết quả.")
    number = (session.scalar(select(func.max(ApologyLetter.number)).where(ApologyLetter.dossier_id == dossier.id))
              or 0) + 1
    letter = ApologyLetter(dossier_id=dossier.id, number=number, reason=text, previous_due_at=dossier.due_at,
                           new_due_at=end_of_day(new_due_on), created_at=now, created_by=actor.username,
                           office_code=actor.office_code)
    dossier.due_at = letter.new_due_at
    session.add(letter)
    session.add(DossierEvent(dossier_id=dossier.id, at=now, action="apology_letter", from_status=dossier.status,
                             to_status=dossier.status, actor=actor.username, role=actor.role, reason=text,
                             due_at=letter.new_due_at, paper="apology_letter"))
    session.flush()
    record(session, actor, "dossier.apology_letter", "dossier", code, owner_ref(dossier.owner),
           number=number, new_due_on=new_due_on.isoformat())
    outbox.enqueue(session, dossier, f"apology:{letter.id}")  # the portal learns the new appointment
    return letter


def letters_of(session: Session, dossier_id: int) -> list[ApologyLetter]:
    return list(session.scalars(select(ApologyLetter).where(ApologyLetter.dossier_id == dossier_id)
                                .order_by(ApologyLetter.number)))
