"""Procedures' internal steps: parsed from the catalog, checked against the processing time, and
refused at import when they do not add up."""
from __future__ import annotations

import pytest

from catalog import catalogs
from catalog.steps import parse_steps, steps_error


def test_the_shipped_procedures_split_their_days() -> None:
    bundle = catalogs.load_directory()
    for row in bundle.tables["procedures"]:
        steps = parse_steps(row["steps"])
        assert [s.kind for s in steps][0] == "reception" and steps[-1].kind == "return"
        assert sum(s.days for s in steps) == row["processing_days"], row["code"]


@pytest.mark.parametrize(("items", "days", "problem"), [
    (["reception:MC:1", "processing:CSXH:4"], 6, "Tổng số ngày"),
    (["reception:MC:1", "checking:CSXH:5"], 6, "bước:phòng:số_ngày"),
    (["reception:mc:1", "processing:CSXH:5"], 6, "bước:phòng:số_ngày"),
    (["reception:MC:one"], 1, "bước:phòng:số_ngày"),
])
def test_bad_steps_are_explained(items: list[str], days: int, problem: str) -> None:
    assert problem in steps_error(items, days)


def test_an_import_with_steps_off_the_processing_time_is_refused() -> None:
    bundle = catalogs.load_directory()
    bundle.label = "official-1"
    bundle.tables["procedures"][0]["steps"] = ["reception:MC:1", "processing:TST:2"]
    problems = catalogs.validate(bundle)
    assert [(p.table, p.row, p.column, p.code) for p in problems] == [("procedures", 2, "steps", "invalid_steps")]  # CSV line 2
    assert steps_error([], 10) is None, "a procedure without steps is fine"
