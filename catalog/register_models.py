"""Tables of the dossier register: the holiday calendar, each dossier's history of transitions,
and the apology letters sent for late dossiers."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from catalog.base import Base, UTCDateTime
from core.clock import utcnow


class CalendarYear(Base):
    """A year whose days off are known; due dates are only counted through known years."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    basis: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(32))  # shipped | api | cli
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_by: Mapped[str | None] = mapped_column(String(64))


class CalendarDay(Base):
    """A day that is not what its weekday says: a holiday, a day off, or a Saturday worked."""

    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("calendar_year.year", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))  # holiday | compensatory | day_off | working_saturday
    name: Mapped[str] = mapped_column(String(200))
    basis: Mapped[str | None] = mapped_column(Text)


class DossierEvent(Base):
    """One transition of a dossier: who did what, when, why, and what it changed."""

    __tablename__ = "dossier_event"
    # The quarterly report (catalog/reports.py, migration 0010): dossiers closed since a moment,
    # and a dossier's last transition before one.
    __table_args__ = (Index("ix_dossier_event_to_status_at", "to_status", "at"),
                      Index("ix_dossier_event_dossier_id_at", "dossier_id", "at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    assignee: Mapped[str | None] = mapped_column(String(64))
    department: Mapped[str | None] = mapped_column(String(32))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """The dossier's due moment after this transition (it moves when the clock pauses or resumes)."""
    paper: Mapped[str | None] = mapped_column(String(32))  # the paper this transition hands out


class ApologyLetter(Base):
    """Phiếu xin lỗi và hẹn lại ngày trả kết quả, recorded for a dossier past its due date."""

    __tablename__ = "apology_letter"
    __table_args__ = (UniqueConstraint("dossier_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... within the dossier
    reason: Mapped[str] = mapped_column(Text)
    previous_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    new_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    office_code: Mapped[str | None] = mapped_column(String(32))
