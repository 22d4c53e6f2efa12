"""Catalogs as data: the shipped SAMPLE, validation of imports (refused whole, row by row),
dry-run diffs, CSV round trips, versions with effective dates."""
from __future__ import annotations

import copy
from datetime import date, timedelta
from pathlib import Path

import pytest

from catalog import catalogs
from catalog.models import Procedure


@pytest.fixture
def db(tmp_path: Path):
    database = catalogs.open_database(f"sqlite:///{tmp_path / 'catalog.sqlite3'}")
    yield database
    database.dispose()


@pytest.fixture(scope="module")
def shipped() -> dict:
    return catalogs.load_directory().canonical()


def bundle(shipped: dict, label: str = "official-2026.2", **changes) -> dict:
    data = copy.deepcopy(shipped)
    data.update({"version": label, "sample": False, "effective_from": date.today().isoformat(), **changes})
    return data


def test_shipped_sample_is_marked_and_covers_the_plan(shipped):
    assert shipped["sample"] is True and "MẪU" in shipped["note"] and "SAMPLE" in shipped["note"]
    assert len(shipped["procedures"]) >= 15
    assert len(shipped["document_types"]) >= 40
    names = " | ".join(t["name"] for t in shipped["document_types"]).lower()
    for paper in ("căn cước", "khai sinh", "khai tử", "ra viện", "nghỉ việc hưởng", "tk1-ts", "sổ bảo hiểm xã hội",
                  "quyết định hưởng"):
        assert paper in names
    for procedure in shipped["procedures"]:
        components = [c for c in shipped["components"] if c["procedure_code"] == procedure["code"]]
        results = [r for r in shipped["results"] if r["procedure_code"] == procedure["code"]]
        assert components and results, procedure["code"]
        assert procedure["processing_days"] > 0


def test_fresh_database_gets_the_sample_and_its_procedures(db):
    with db.session() as s:
        catalog = catalogs.active_catalog(s)
        assert catalog.sample and catalog.label == "sample-2026.1"
        assert s.get(Procedure, "1.000456").processing_days == 6
        assert catalog.valid("document_type", "HT01") and not catalog.valid("document_type", "ht1")
        assert [c["document_type_code"] for c in catalog.components_of("1.000457")][:3] == ["BH07", "HT01", "YT03"]
    with db.session() as s:  # idempotent at every start
        catalogs.ensure_shipped(s)
        assert len(catalogs.list_versions(s)) == 1


def test_bad_import_is_refused_whole_with_a_row_by_row_report(db, shipped):
    data = bundle(shipped)
    data["document_types"][0]["colour"] = "red"                        # unknown column
    data["document_types"][2]["code"] = data["document_types"][1]["code"]  # duplicate code
    data["procedures"][0]["code"] = "1.23"                             # off pattern
    data["components"][4]["document_type_code"] = "ZZ99"               # missing type
    data["results"][0]["replaces"] = ["1.000999.KQ01"]                 # missing result
    parsed, problems = catalogs.bundle_from_json(data)
    with db.session() as s:
        with pytest.raises(catalogs.CatalogRejected) as refused:
            catalogs.import_bundle(s, parsed, problems=problems, source="test", created_by="archivist1")
    report = refused.value.to_json()["report"]
    found = {(p["table"], p["row"], p["code"]) for p in report["problems"]}
    assert ("document_types", 0, "unknown_column") in found
    assert ("document_types", 3, "duplicate_code") in found
    assert ("procedures", 1, "off_pattern") in found
    assert ("components", 5, "unknown_document_type") in found
    assert ("results", 1, "unknown_result") in found
    assert not report["valid"] and not report["imported"]
    with db.session() as s:  # nothing half-imported
        assert [v.label for v in catalogs.list_versions(s)] == ["sample-2026.1"]


def test_dry_run_lists_changes_and_writes_nothing(db, shipped):
    data = bundle(shipped)
    data["document_types"][0]["name"] = "Thẻ căn cước (mẫu mới)"
    data["procedures"].append({"code": "1.009999", "name": "Thủ tục thử", "sector": "Thử", "processing_days": 3})
    data["results"] = [r for r in data["results"] if r["code"] != "1.000806.KQ01"]
    parsed, problems = catalogs.bundle_from_json(data)
    with db.session() as s:
        report = catalogs.import_bundle(s, parsed, problems=problems, source="test", created_by="a", dry_run=True)
    body = report.to_json()
    assert body["valid"] and body["dry_run"] and not body["imported"]
    assert body["changes"]["procedures"]["added"] == ["1.009999"]
    assert body["changes"]["results"]["removed"] == ["1.000806.KQ01"]
    changed = body["changes"]["document_types"]["changed"][0]
    assert changed["code"] == "NT01" and changed["fields"]["name"][1] == "Thẻ căn cước (mẫu mới)"
    with db.session() as s:
        assert len(catalogs.list_versions(s)) == 1


def test_import_makes_a_new_version_in_force_from_its_date(db, shipped):
    later = bundle(shipped, "official-future", effective_from=(date.today() + timedelta(days=30)).isoformat())
    now = bundle(shipped, "official-now")
    now["procedures"][0]["processing_days"] = 7
    with db.session() as s:
        for data in (later, now):
            parsed, problems = catalogs.bundle_from_json(data)
            assert catalogs.import_bundle(s, parsed, problems=problems, source="test", created_by="a").version_id
    with db.session() as s:
        assert catalogs.active_catalog(s).label == "official-now"
        assert catalogs.active_catalog(s, on=date.today() + timedelta(days=31)).label == "official-future"
        assert s.get(Procedure, now["procedures"][0]["code"]).processing_days == 7
        parsed, problems = catalogs.bundle_from_json(now)  # labels are never reused
        with pytest.raises(catalogs.CatalogRejected):
            catalogs.import_bundle(s, parsed, problems=problems, source="test", created_by="a")
    with db.session() as s:  # an official catalog is never replaced by the shipped sample again
        catalogs.ensure_shipped(s)
        assert catalogs.active_catalog(s).label == "official-now"


def test_csv_round_trip_and_csv_problems_use_line_numbers(db):
    with db.session() as s:
        base = catalogs.stored_bundle(s, catalogs.active_version_id(s))
    text = catalogs.write_csv("document_types", base.tables["document_types"])
    rows, problems = catalogs.read_csv("document_types", text)
    assert not problems and rows == base.tables["document_types"]
    broken = text.replace("\nHT01,", "\nht-01,", 1) + "XX01,Giấy thử,,component,UBND,forever,0,Giấy thử,,\n"
    rows, problems = catalogs.read_csv("document_types", broken)
    new = catalogs.replace_table(base, "document_types", rows, "csv-1", date.today())
    problems += catalogs.validate(new)
    lines = broken.splitlines()
    assert {(p.row, p.code) for p in problems} >= {
        (next(i for i, line in enumerate(lines, 1) if line.startswith("ht-01,")), "off_pattern"),
        (len(lines), "invalid_value"),
    }
    header_problem = catalogs.read_csv("components", "code,name,extra\n1.000456.TP01,x,y\n")[1]
    assert {(p.row, p.column, p.code) for p in header_problem} >= {(1, "extra", "unknown_column"),
                                                                      (0, "procedure_code", "missing_column")}
