"""The holiday calendar as data: per year, the days off (Tết, Hùng Kings' day, 30/4, 1/5, National
Day and its adjacent day, compensatory days, days off swapped by decision) and the Saturdays made
working days. Shipped under ``catalog/data/holidays/<year>.json``; archivists import corrected or
new years (a year is replaced whole) and export them, with a dry run showing what would change.

An import must name every statutory holiday of its years. The lunar ones (first day of Tết, the
10th of the 3rd lunar month) come from the ``lunardate`` library, never from our own astronomy.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from lunardate import LunarDate
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from catalog.audit import Actor, record
from catalog.register_models import CalendarDay, CalendarYear
from core.errors import Unprocessable

HOLIDAY_DIR = Path(__file__).parent / "data" / "holidays"
FORMAT = "sohoa-holidays/1"
KINDS = {
    "holiday": "ngày lễ, Tết",
    "compensatory": "nghỉ bù (ngày lễ trùng ngày nghỉ hằng tuần)",
    "day_off": "nghỉ hoán đổi theo quyết định",
    "working_saturday": "làm việc bù vào ngày nghỉ hằng tuần",
}
YEARS = range(2000, 2101)


def statutory_days(year: int) -> dict[date, str]:
    """Holidays of Article 112 of the Labour Code 2019 that a year's calendar must list."""
    return {
        date(year, 1, 1): "Tết Dương lịch (01/01)",
        LunarDate(year, 1, 1).to_solar_date(): "mùng 1 Tết Nguyên đán",
        LunarDate(year, 3, 10).to_solar_date(): "Giỗ Tổ Hùng Vương (10/3 âm lịch)",
        date(year, 4, 30): "Ngày Chiến thắng (30/4)",
        date(year, 5, 1): "Ngày Quốc tế lao động (01/5)",
        date(year, 9, 2): "Quốc khánh (02/9)",
    }


@dataclass(frozen=True)
class YearCalendar:
    year: int
    provisional: bool
    basis: str | None
    note: str | None
    days: tuple[dict[str, Any], ...]

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "year": self.year, "provisional": self.provisional, "basis": self.basis,
                "note": self.note, "days": list(self.days)}


@dataclass
class CalendarReport:
    valid: bool
    dry_run: bool
    years: list[int]
    problems: list[dict[str, Any]] = field(default_factory=list)
    changes: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    imported: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"valid": self.valid, "dry_run": self.dry_run, "imported": self.imported, "years": self.years,
                "problems": self.problems, "changes": self.changes}


class CalendarRejected(Unprocessable):
    def __init__(self, report: CalendarReport) -> None:
        super().__init__("calendar_invalid", f"Lịch ngày nghỉ không hợp lệ ({len(report.problems)} lỗi); "
                                             "không có dữ liệu nào được nhập.")
        self.report = report

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "report": self.report.to_json()}


def _problem(year: Any, row: int, field_name: str | None, code: str, message: str) -> dict[str, Any]:
    return {"year": year, "row": row, "field": field_name, "code": code, "message": message}


def parse_document(data: Any) -> tuple[list[YearCalendar], list[dict[str, Any]]]:
    """One year's document or ``{"format", "years": [...]}``; problems name year, row and field."""
    if not isinstance(data, Mapping):
        return [], [_problem(None, 0, None, "invalid_document", "Tệp lịch phải là một đối tượng JSON.")]
    if data.get("format") != FORMAT:
        return [], [_problem(None, 0, "format", "unsupported_format",
                             f"Định dạng '{data.get('format')}' không được hỗ trợ (cần {FORMAT}).")]
    docs = data.get("years") if "years" in data else [data]
    if not isinstance(docs, list) or not docs:
        return [], [_problem(None, 0, "years", "invalid_document", "Trường 'years' phải là danh sách năm.")]
    years: list[YearCalendar] = []
    problems: list[dict[str, Any]] = []
    seen_years: set[int] = set()
    for doc in docs:
        year_cal, found = _parse_year(doc)
        problems += found
        if year_cal is not None:
            if year_cal.year in seen_years:
                problems.append(_problem(year_cal.year, 0, "year", "duplicate_year", f"Năm {year_cal.year} lặp lại."))
            seen_years.add(year_cal.year)
            years.append(year_cal)
    return years, problems


def _parse_year(doc: Any) -> tuple[YearCalendar | None, list[dict[str, Any]]]:
    if not isinstance(doc, Mapping):
        return None, [_problem(None, 0, None, "invalid_year", "Mỗi năm phải là một đối tượng JSON.")]
    year = doc.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or year not in YEARS:
        return None, [_problem(year, 0, "year", "invalid_year",
                               f"Năm '{year}' không hợp lệ (từ {YEARS.start} đến {YEARS.stop - 1}).")]
    problems: list[dict[str, Any]] = []
    unknown = set(doc) - {"format", "year", "provisional", "basis", "note", "days"}
    for key in sorted(unknown):
        problems.append(_problem(year, 0, key, "unknown_field", f"Trường '{key}' không được hỗ trợ."))
    rows = doc.get("days")
    if not isinstance(rows, list):
        return None, problems + [_problem(year, 0, "days", "invalid_days", "Trường 'days' phải là danh sách ngày.")]
    days: list[dict[str, Any]] = []
    seen: dict[date, int] = {}
    for i, row in enumerate(rows, 1):
        parsed, found = _parse_day(year, i, row)
        problems += found
        if parsed is None:
            continue
        day = date.fromisoformat(parsed["date"])
        if day in seen:
            problems.append(_problem(year, i, "date", "duplicate_date", f"Ngày {day:%d/%m/%Y} trùng với dòng {seen[day]}."))
        seen[day] = i
        days.append(parsed)
    listed = {date.fromisoformat(d["date"]) for d in days if d["kind"] == "holiday"}
    for day, name in statutory_days(year).items():
        if day not in listed:
            problems.append(_problem(year, 0, "days", "missing_holiday",
                                     f"Thiếu ngày lễ {name}: {day:%d/%m/%Y} (loại holiday)."))
    days.sort(key=lambda d: d["date"])
    return YearCalendar(year, bool(doc.get("provisional", False)), doc.get("basis"), doc.get("note"),
                        tuple(days)), problems


def _parse_day(year: int, i: int, row: Any) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    if not isinstance(row, Mapping):
        return None, [_problem(year, i, None, "invalid_day", "Mỗi ngày phải là một đối tượng JSON.")]
    problems = [_problem(year, i, k, "unknown_field", f"Trường '{k}' không được hỗ trợ.")
                for k in sorted(set(row) - {"date", "kind", "name", "basis"})]
    try:
        day = date.fromisoformat(str(row.get("date")))
    except ValueError:
        return None, problems + [_problem(year, i, "date", "invalid_date",
                                          f"Ngày '{row.get('date')}' phải có dạng YYYY-MM-DD.")]
    kind, name = row.get("kind"), str(row.get("name") or "").strip()
    if day.year != year:
        problems.append(_problem(year, i, "date", "wrong_year", f"Ngày {day:%d/%m/%Y} không thuộc năm {year}."))
    if kind not in KINDS:
        problems.append(_problem(year, i, "kind", "invalid_kind", f"Loại ngày '{kind}' phải là một trong "
                                                                  f"{', '.join(KINDS)}."))
    elif kind == "working_saturday" and day.weekday() < 5:
        problems.append(_problem(year, i, "kind", "not_a_weekend", f"Ngày {day:%d/%m/%Y} không phải thứ Bảy, "
                                                                   "Chủ nhật: không thể là ngày làm bù."))
    elif kind in ("compensatory", "day_off") and day.weekday() >= 5:
        problems.append(_problem(year, i, "kind", "not_a_weekday", f"Ngày {day:%d/%m/%Y} là ngày nghỉ hằng tuần: "
                                                                   "không thể là ngày nghỉ bù, hoán đổi."))
    if not name or len(name) > 200:
        problems.append(_problem(year, i, "name", "invalid_name", "Tên ngày nghỉ bắt buộc, tối đa 200 ký tự."))
    if problems:
        return None, problems
    return {"date": day.isoformat(), "kind": kind, "name": name, "basis": row.get("basis")}, []


def stored_year(session: Session, year: int) -> YearCalendar | None:
    row = session.get(CalendarYear, year)
    if row is None:
        return None
    days = session.scalars(select(CalendarDay).where(CalendarDay.year == year).order_by(CalendarDay.day))
    return YearCalendar(year, row.provisional, row.basis, row.note, tuple(
        {"date": d.day.isoformat(), "kind": d.kind, "name": d.name, "basis": d.basis} for d in days))


def stored_years(session: Session) -> list[int]:
    return list(session.scalars(select(CalendarYear.year).order_by(CalendarYear.year)))


def export(session: Session, years: list[int] | None = None) -> dict[str, Any]:
    found = (stored_year(session, n) for n in (years or stored_years(session)))
    return {"format": FORMAT, "years": [y.to_json() for y in found if y is not None]}


def _diff(old: YearCalendar | None, new: YearCalendar) -> dict[str, list[str]]:
    before = {d["date"]: d for d in (old.days if old else ())}
    after = {d["date"]: d for d in new.days}
    return {"added": sorted(after.keys() - before.keys()), "removed": sorted(before.keys() - after.keys()),
            "changed": sorted(k for k in before.keys() & after.keys() if before[k] != after[k])}


def import_calendar(session: Session, data: Any, *, actor: Actor, source: str,
                    dry_run: bool = False) -> CalendarReport:
    """Validate whole; unless a dry run, replace each year given. Nothing is written on a problem."""
    years, problems = parse_document(data)
    report = CalendarReport(valid=not problems, dry_run=dry_run, years=[y.year for y in years],
                            problems=problems,
                            changes={str(y.year): _diff(stored_year(session, y.year), y) for y in years})
    if dry_run:
        return report
    if problems:
        raise CalendarRejected(report)
    for y in years:
        _store(session, y, source, actor.username)
    report.imported = True
    record(session, actor, "calendar.import", "calendar", ",".join(map(str, report.years)), None,
           source=source, changes=report.changes)
    return report


def _store(session: Session, y: YearCalendar, source: str, by: str | None) -> None:
    session.execute(delete(CalendarDay).where(CalendarDay.year == y.year))
    session.execute(delete(CalendarYear).where(CalendarYear.year == y.year))
    session.flush()
    session.add(CalendarYear(year=y.year, provisional=y.provisional, basis=y.basis, note=y.note, source=source,
                             imported_by=by))
    session.flush()
    session.add_all(CalendarDay(day=date.fromisoformat(d["date"]), year=y.year, kind=d["kind"], name=d["name"],
                                basis=d["basis"]) for d in y.days)
    session.flush()


def shipped() -> list[YearCalendar]:
    years: list[YearCalendar] = []
    for path in sorted(HOLIDAY_DIR.glob("*.json")):
        found, problems = parse_document(json.loads(path.read_text(encoding="utf-8")))
        if problems:
            raise ValueError(f"{path}: " + "; ".join(p["message"] for p in problems[:5]))
        years += found
    return years


def ensure_shipped(session: Session) -> None:
    """Start-up: install each shipped year the catalog has no calendar for (imports are kept)."""
    have = set(stored_years(session))
    for y in shipped():
        if y.year not in have:
            _store(session, y, "shipped", None)
