"""Working-day arithmetic against real cases of the shipped holiday calendar (2025–2027)."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time

import pytest

from catalog.catalogs import open_database
from catalog.db import Database
from catalog.deadlines import WorkCalendar, load_calendar, preview
from core.clock import LOCAL_TZ
from core.errors import Invalid

CUTOFF = time(16, 30)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = open_database(f"sqlite:///{tmp_path_factory.mktemp('deadlines') / 'catalog.sqlite3'}")
    yield database
    database.dispose()


@pytest.fixture(scope="module")
def calendar(db: Database) -> WorkCalendar:
    with db.session() as s:
        return load_calendar(s)


def at(day: str, hhmm: str = "10:00") -> datetime:
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(hhmm), LOCAL_TZ)


CASES = [
    # received (local)            days  due             why
    ("2026-02-12", "10:00", 1, "2026-02-13", "the Friday before Tết Bính Ngọ is still worked"),
    ("2026-02-13", "10:00", 6, "2026-03-02", "Tết 2026: 16–20/02 off, counting resumes on 23/02"),
    ("2026-02-13", "16:45", 1, "2026-02-24", "after the cut-off on the eve of Tết: counts from 23/02"),
    ("2027-02-04", "10:00", 3, "2027-02-16", "Tết 2027: 05–09/02 off, 10–11/02 compensatory"),
    ("2027-04-29", "10:00", 1, "2027-05-04", "30/4 Friday, 1/5 Saturday, compensatory Monday 03/5"),
    ("2026-04-29", "10:00", 1, "2026-05-04", "30/4 and 1/5 on Thursday and Friday, next to the weekend"),
    ("2026-04-24", "10:00", 1, "2026-04-28", "Hùng Kings' day on Sunday 26/4: compensatory Monday 27/4"),
    ("2026-04-27", "09:00", 6, "2026-05-08", "received on the compensatory day: counts from 28/4, skips 30/4–1/5"),
    ("2025-04-23", "10:00", 3, "2025-04-26", "Saturday 26/4/2025 worked in exchange for 2/5"),
    ("2025-04-23", "10:00", 6, "2025-05-05", "30/4, 1/5 and the swapped 2/5/2025 off"),
    ("2025-12-31", "10:00", 2, "2026-01-06", "1/1/2026 and the swapped Friday 2/1 off"),
    ("2026-01-09", "10:00", 1, "2026-01-10", "Saturday 10/1/2026 is a working day"),
    ("2026-04-21", "16:29", 1, "2026-04-22", "just before the cut-off counts that day"),
    ("2026-04-21", "16:30", 1, "2026-04-23", "at the cut-off counts from the next working day"),
    ("2026-12-31", "16:45", 1, "2027-01-05", "after the cut-off on New Year's Eve: 1/1 off, counts from 4/1"),
    ("2026-04-25", "09:00", 0, "2026-04-28", "a Saturday reception counts from the next working day"),
]


@pytest.mark.parametrize(("day", "hhmm", "days", "due", "why"), CASES, ids=[c[4] for c in CASES])
def test_due_dates(calendar: WorkCalendar, day: str, hhmm: str, days: int, due: str, why: str) -> None:
    assert calendar.due_day(at(day, hhmm), days, CUTOFF) == date.fromisoformat(due), why


def test_days_outside_the_calendar_are_refused_not_guessed(calendar: WorkCalendar) -> None:
    with pytest.raises(Invalid) as refused:
        calendar.due_day(at("2027-12-20"), 10, CUTOFF)
    assert refused.value.code == "calendar_year_missing" and "2028" in refused.value.message
    with pytest.raises(Invalid, match="2024"):
        calendar.due_day(at("2024-12-31"), 1, CUTOFF)


def test_working_days_between_counts_what_is_left(calendar: WorkCalendar) -> None:
    assert calendar.working_days_between(date(2026, 4, 22), date(2026, 4, 29)) == 4  # 23, 24, 28, 29
    assert calendar.working_days_between(date(2026, 4, 29), date(2026, 4, 22)) == 0


def test_preview_names_the_days_skipped(db: Database) -> None:
    with db.session() as s:
        p = preview(s, datetime(2027, 4, 29, 10, 0), 1, CUTOFF)  # naive: Vietnam time
    assert p.due_on == date(2027, 5, 4) and p.counts_from == date(2027, 4, 29)
    assert [(d.day, d.kind) for d in p.skipped] == [(date(2027, 4, 30), "holiday"), (date(2027, 5, 3), "compensatory")]
    assert p.provisional_years == [2027]


def test_steps_are_planned_back_from_the_due_day(calendar: WorkCalendar) -> None:
    from catalog.steps import parse_steps, plan

    steps = parse_steps(["reception:MC:1", "processing:CSXH:4", "return:MC:1"])
    dues = [day for _, day in plan(steps, date(2026, 5, 8), calendar)]
    assert dues == [date(2026, 4, 29), date(2026, 5, 7), date(2026, 5, 8)]  # 30/4, 1/5 and the weekend skipped
