"""The holiday calendar as data: shipped years, lunar days from the library, import with a dry
run, refusal of bad years as a whole, export in the import format."""
from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import date

import pytest
from lunardate import LunarDate
from sqlalchemy import func, select

from catalog import holidays
from catalog.audit import Actor, AuditEntry
from catalog.catalogs import open_database
from catalog.db import Database
from catalog.register_models import CalendarDay, CalendarYear

ACTOR = Actor("archivist1", "archivist", "PT01")


@pytest.fixture
def db(tmp_path) -> Iterator[Database]:
    database = open_database(f"sqlite:///{tmp_path / 'catalog.sqlite3'}")
    yield database
    database.dispose()


def shipped_year(year: int) -> dict:
    return json.loads((holidays.HOLIDAY_DIR / f"{year}.json").read_text(encoding="utf-8"))


def test_shipped_years_list_tet_and_hung_kings_day_from_the_lunar_library() -> None:
    years = {y.year: y for y in holidays.shipped()}
    assert set(years) >= {2025, 2026, 2027}
    for year, cal in years.items():
        off = {date.fromisoformat(d["date"]) for d in cal.days if d["kind"] == "holiday"}
        assert LunarDate(year, 1, 1).to_solar_date() in off
        assert LunarDate(year, 3, 10).to_solar_date() in off
        assert {date(year, 1, 1), date(year, 4, 30), date(year, 5, 1), date(year, 9, 2)} <= off
    assert LunarDate(2026, 1, 1).to_solar_date() == date(2026, 2, 17)
    assert years[2027].provisional and not years[2026].provisional


def test_a_fresh_catalog_has_the_shipped_calendar(db: Database) -> None:
    with db.session() as s:
        assert holidays.stored_years(s) == [y.year for y in holidays.shipped()]
        assert s.get(CalendarDay, date(2026, 4, 27)).kind == "compensatory"


def test_dry_run_reports_changes_and_writes_nothing(db: Database) -> None:
    doc = shipped_year(2026)
    doc["days"].append({"date": "2026-09-03", "kind": "day_off", "name": "Nghỉ hoán đổi (thử)"})
    with db.session() as s:
        audit_before = s.scalar(select(func.count(AuditEntry.id)))
        report = holidays.import_calendar(s, doc, actor=ACTOR, source="api", dry_run=True)
    assert report.valid and not report.imported
    assert report.changes["2026"] == {"added": ["2026-09-03"], "removed": [], "changed": []}
    with db.session() as s:
        assert s.get(CalendarDay, date(2026, 9, 3)) is None
        assert s.scalar(select(func.count(AuditEntry.id))) == audit_before


def test_import_replaces_the_year_whole_and_is_audited(db: Database) -> None:
    doc = shipped_year(2026)
    doc["days"] = [d for d in doc["days"] if d["date"] != "2026-09-01"]
    doc["days"].append({"date": "2026-09-03", "kind": "holiday", "name": "Quốc khánh (ngày liền kề)"})
    with db.session() as s:
        report = holidays.import_calendar(s, doc, actor=ACTOR, source="api")
    assert report.imported and report.changes["2026"]["removed"] == ["2026-09-01"]
    with db.session() as s:
        assert s.get(CalendarDay, date(2026, 9, 1)) is None
        assert s.get(CalendarDay, date(2026, 9, 3)).name == "Quốc khánh (ngày liền kề)"
        assert s.get(CalendarYear, 2026).source == "api"
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "calendar.import")).one()
        assert entry.actor == "archivist1" and entry.object_id == "2026"


BAD = [
    ("missing_holiday", lambda d: d["days"].remove(next(x for x in d["days"] if x["date"] == "2026-02-17"))),
    ("not_a_weekend", lambda d: d["days"].append({"date": "2026-03-04", "kind": "working_saturday", "name": "x"})),
    ("not_a_weekday", lambda d: d["days"].append({"date": "2026-03-07", "kind": "compensatory", "name": "x"})),
    ("wrong_year", lambda d: d["days"].append({"date": "2025-03-04", "kind": "day_off", "name": "x"})),
    ("duplicate_date", lambda d: d["days"].append(dict(d["days"][0]))),
    ("invalid_kind", lambda d: d["days"].append({"date": "2026-03-04", "kind": "festival", "name": "x"})),
    ("invalid_date", lambda d: d["days"].append({"date": "04/03/2026", "kind": "day_off", "name": "x"})),
    ("unknown_field", lambda d: d.update(colour="red")),
    ("invalid_year", lambda d: d.update(year=1900)),
]


@pytest.mark.parametrize(("code", "spoil"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_year_is_refused_whole(db: Database, code: str, spoil) -> None:
    doc = copy.deepcopy(shipped_year(2026))
    doc["days"].append({"date": "2026-09-04", "kind": "day_off", "name": "Một ngày hợp lệ"})
    spoil(doc)
    with db.session() as s:
        dry = holidays.import_calendar(s, doc, actor=ACTOR, source="api", dry_run=True)
    assert not dry.valid and code in {p["code"] for p in dry.problems}
    with pytest.raises(holidays.CalendarRejected) as refused, db.session() as s:
        holidays.import_calendar(s, doc, actor=ACTOR, source="api")
    assert refused.value.to_json()["report"]["problems"]
    with db.session() as s:
        assert s.get(CalendarDay, date(2026, 9, 4)) is None, "nothing of a refused import is written"
        assert s.get(CalendarYear, 2026).source == "shipped"


def test_export_is_the_import_format(db: Database) -> None:
    with db.session() as s:
        exported = holidays.export(s, [2025, 2026])
    assert [y["year"] for y in exported["years"]] == [2025, 2026]
    with db.session() as s:
        report = holidays.import_calendar(s, exported, actor=ACTOR, source="api", dry_run=True)
    assert report.valid and all(c == {"added": [], "removed": [], "changed": []} for c in report.changes.values())
