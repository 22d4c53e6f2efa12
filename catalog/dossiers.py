"""Dossiers (hồ sơ): opening one allocates its code ``AGENCY-yymmdd-NNNN`` and its due date."""
from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from catalog import outbox
from catalog.deadlines import end_of_day, load_calendar
from catalog.models import Channel, Counter, Dossier, Owner, Procedure
from catalog.reference import code_patterns
from core.clock import LOCAL_TZ, utcnow
from core.errors import Invalid, NotFound


def next_counter(session: Session, name: str) -> int:
    """Atomically increment a named counter (one upsert statement: safe under concurrent intake)."""
    dialect = {"sqlite": sqlite, "postgresql": postgresql}[session.bind.dialect.name]
    stmt = dialect.insert(Counter).values(name=name, value=1)
    stmt = stmt.on_conflict_do_update(index_elements=[Counter.name], set_={"value": Counter.value + 1})
    return session.execute(stmt.returning(Counter.value)).scalar_one()


def open_dossier(session: Session, agency: str, procedure_code: str, owner: Owner, channel: str,
                 office_code: str | None = None, now: datetime | None = None,
                 cutoff: time = time(16, 30), received_by: str | None = None, linked: bool = False) -> Dossier:
    """A new dossier, due the procedure's processing time in working days after the day it counts
    as received (catalog/deadlines.py: holidays skipped, after the cut-off the next working day)."""
    if not code_patterns(session).valid("procedure", procedure_code):  # the catalog in force
        raise Invalid("invalid_procedure_code", f"Mã thủ tục '{procedure_code}' không đúng định dạng.")
    procedure = session.get(Procedure, procedure_code)
    if procedure is None:
        raise Invalid("unknown_procedure", f"Không có thủ tục mã '{procedure_code}' trong danh mục.")
    if channel not in Channel.__members__:
        raise Invalid("invalid_channel", f"Kênh tiếp nhận '{channel}' không hợp lệ.")
    now = now or utcnow()
    local_day = now.astimezone(LOCAL_TZ).date()
    prefix = f"{agency}-{local_day:%y%m%d}"
    due_at = end_of_day(load_calendar(session).due_day(now, procedure.processing_days, cutoff))
    number = next_counter(session, prefix)
    dossier = Dossier(
        code=f"{prefix}-{number:04d}",
        procedure_code=procedure_code,
        owner_id=owner.id,
        channel=channel,
        linked=linked,
        office_code=office_code,
        received_at=now,
        received_by=received_by,
        due_at=due_at,
    )
    session.add(dossier)
    session.flush()
    outbox.enqueue(session, dossier, "received")
    return dossier


def get_dossier(session: Session, code: str) -> Dossier:
    dossier = session.scalars(select(Dossier).where(Dossier.code == code)).first()
    if dossier is None:
        raise NotFound("dossier_not_found", f"Không tìm thấy hồ sơ '{code}'.")
    return dossier
