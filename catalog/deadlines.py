"""Working days as the office counts them: weekends and the holiday calendar's days off skipped,
Saturdays worked by decision counted, and a dossier received after the cut-off hour counted from
the next working day. Due dates are only computed through years the calendar knows; a date
outside them is refused rather than guessed."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.register_models import CalendarDay, CalendarYear
from core.clock import LOCAL_TZ
from core.errors import Invalid

OFF_KINDS = ("holiday", "compensatory", "day_off")
WORKED_KINDS = ("working_saturday",)
MAX_WORKING_DAYS = 400


@dataclass(frozen=True)
class WorkCalendar:
    years: frozenset[int]
    off: frozenset[date]
    """Days off whatever their weekday (a holiday on a Sunday is simply in here too)."""
    worked: frozenset[date]
    """Weekend days worked by decision (làm bù)."""

    def check(self, day: date) -> None:
        if day.year not in self.years:
            known = ", ".join(map(str, sorted(self.years))) or "chưa có năm nào"
            raise Invalid("calendar_year_missing",
                          f"Lịch ngày nghỉ năm {day.year} chưa được nhập (đã có: {known}); "
                          "không tính được ngày làm việc.")

    def is_working(self, day: date) -> bool:
        self.check(day)
        if day in self.worked:
            return True
        return day.weekday() < 5 and day not in self.off

    def next_working(self, day: date) -> date:
        day += timedelta(days=1)
        while not self.is_working(day):
            day += timedelta(days=1)
        return day

    def previous_working(self, day: date) -> date:
        day -= timedelta(days=1)
        while not self.is_working(day):
            day -= timedelta(days=1)
        return day

    def subtract_working_days(self, end: date, days: int) -> date:
        """The working day ``days`` working days before ``end`` (``end`` itself for 0)."""
        for _ in range(days):
            end = self.previous_working(end)
        return end

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (``start`` itself for 0)."""
        for _ in range(days):
            start = self.next_working(start)
        return start

    def working_days_between(self, after: date, through: date) -> int:
        """Working days d with after < d <= through (0 when through is not later)."""
        count, day = 0, after
        while day < through:
            day += timedelta(days=1)
            count += self.is_working(day)
        return count

    def counting_start(self, moment: datetime, cutoff: time) -> date:
        """The day a dossier counts as received: its own day, or the next working day when it
        came on a day off or at/after the cut-off hour."""
        local = moment.astimezone(LOCAL_TZ)
        day = local.date()
        if not self.is_working(day) or local.time() >= cutoff:
            day = self.next_working(day)
        return day

    def due_day(self, received_at: datetime, working_days: int, cutoff: time) -> date:
        check_working_days(working_days)
        return self.add_working_days(self.counting_start(received_at, cutoff), working_days)


def check_working_days(days: int) -> None:
    if not 0 <= days <= MAX_WORKING_DAYS:
        raise Invalid("invalid_working_days", f"Số ngày làm việc phải từ 0 đến {MAX_WORKING_DAYS}.")


def end_of_day(day: date) -> datetime:
    """A due day as the moment it ends (local), in UTC: overdue starts the next morning."""
    return datetime.combine(day, time(23, 59, 59), LOCAL_TZ).astimezone(timezone.utc)


def local_day(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TZ).date()


def load_calendar(session: Session) -> WorkCalendar:
    years = frozenset(session.scalars(select(CalendarYear.year)))
    off: set[date] = set()
    worked: set[date] = set()
    for day, kind in session.execute(select(CalendarDay.day, CalendarDay.kind)):
        (worked if kind in WORKED_KINDS else off).add(day)
    return WorkCalendar(years, frozenset(off), frozenset(worked))


@dataclass(frozen=True)
class Preview:
    """What the counter tells a citizen before opening the dossier: when it will be ready."""

    received_at: datetime
    counts_from: date
    working_days: int
    due_on: date
    skipped: list[CalendarDay]
    """The calendar's days off on weekdays between reception and the due date."""
    provisional_years: list[int]


def preview(session: Session, received_at: datetime, working_days: int, cutoff: time) -> Preview:
    if received_at.tzinfo is None:
        received_at = received_at.replace(tzinfo=LOCAL_TZ)
    calendar = load_calendar(session)
    due = calendar.due_day(received_at, working_days, cutoff)
    first = local_day(received_at)
    skipped = [d for d in session.scalars(select(CalendarDay).where(
        CalendarDay.day >= first, CalendarDay.day <= due, CalendarDay.kind.in_(OFF_KINDS)).order_by(CalendarDay.day))
        if d.day.weekday() < 5]
    provisional = session.scalars(select(CalendarYear.year).where(
        CalendarYear.year.between(first.year, due.year), CalendarYear.provisional.is_(True)).order_by(CalendarYear.year))
    return Preview(received_at, calendar.counting_start(received_at, cutoff), working_days, due, skipped,
                   list(provisional))
