"""The reports over HTTP and the CLI: the quarterly report as JSON, XLSX (read back with openpyxl)
and CSV, within the caller's office scope, audited; the reuse figures per office; bad periods."""
from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, time

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from catalog.audit import Actor, AuditEntry
from catalog.dossiers import get_dossier, open_dossier
from catalog.models import Component, Document
from catalog.owners import get_or_create_owner
from catalog.register import Request, transition
from catalog.report_files import PROCEDURE_HEADERS
from core.clock import LOCAL_TZ

HANDLER = Actor("handler1", "handler", "PT01")
COUNTER = Actor("counter1", "counter", "PT01")
Q1 = {"year": 2026, "quarter": 1}  # 15/12/2025 – 14/03/2026


def at(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(9), LOCAL_TZ)


@pytest.fixture
def register(client: TestClient) -> dict[str, str]:
    """Quarter I/2026: in PT01 two received online and on the counter (one resolved on time with
    a reused paper, linked, one returned) and one carried over, still pending; one dossier in PT02."""
    db = client.app.state.services.db

    def receive(day: str, channel: str, office: str = "PT01", owner: str = "001203000001", linked: bool = False) -> str:
        with db.session() as s:
            return open_dossier(s, "BHXH", "1.000456", get_or_create_owner(s, owner), channel, office_code=office,
                                now=at(day), linked=linked).code

    def act(code: str, action: str, day: str, actor: Actor = HANDLER, reason: str | None = None) -> None:
        with db.session() as s:
            transition(s, code, Request(action, reason), actor, cutoff=time(16, 30), now=at(day))

    old = receive("2025-12-01", "counter")
    online = receive("2026-01-05", "online", linked=True)  # interconnected one-stop (liên thông)
    act(online, "start", "2026-01-06")
    act(online, "resolve", "2026-01-08")
    returned = receive("2026-02-02", "counter", owner="001203000002")
    act(returned, "return", "2026-02-03", COUNTER, "Không thuộc thẩm quyền")
    other = receive("2026-01-05", "postal", office="PT02", owner="001203000003")
    with db.session() as s:
        document = Document(sha256="1" * 64, media_type="image/png", filename="a.png", size=1, status="ready")
        s.add(document)
        s.flush()
        s.add(Component(dossier_id=get_dossier(s, online).id, document_id=document.id, reused=True))
    return {"old": old, "online": online, "returned": returned, "other": other}


def test_the_quarterly_report_as_json_and_audited(client: TestClient, register, as_user) -> None:
    r = client.get("/api/v1/reports/quarterly", params=Q1, headers=as_user("archivist1"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["period"] == {"year": 2026, "quarter": 1, "from": "2025-12-15", "to": "2026-03-14",
                              "label": "Quý I/2026 (15/12/2025 – 14/03/2026)"}
    assert body["offices"] == ["PT01"], "an office-scoped archivist sees their own office"
    totals = body["totals"]
    assert {k: totals[k] for k in ("carried_over", "received", "resolved_on_time", "resolved_late", "returned",
                                   "withdrawn", "pending_not_due", "pending_overdue", "apology_letters")} == {
        "carried_over": 1, "received": 2, "resolved_on_time": 1, "resolved_late": 0, "returned": 1, "withdrawn": 0,
        "pending_not_due": 0, "pending_overdue": 1, "apology_letters": 0}
    assert totals["received_by_channel"] == {"online": 1, "counter": 1, "postal": 0, "public_admin_centre": 0}
    assert totals["linked"] == {"received": 1, "resolved_on_time": 1, "resolved_late": 0, "pending": 0}
    assert body["electronic"] == {"share": 0.5, "previous_share": 0.0, "change": 0.5}
    assert [p["procedure_code"] for p in body["procedures"]] == ["1.000456"]
    assert body["digitization"]["components_reused_share"] == 1.0
    with client.app.state.services.db.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "report.quarterly")).one()
        details = json.loads(entry.details)
        assert entry.actor == "archivist1" and details["offices"] == ["PT01"] and details["cross_office"] is False


def test_the_xlsx_has_a_sheet_per_table_with_numbers_and_a_frozen_header(client: TestClient, register,
                                                                          as_user) -> None:
    r = client.get("/api/v1/reports/quarterly", params={**Q1, "format": "xlsx"}, headers=as_user("archivist1"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert 'filename="bao-cao-quy-1-2026.xlsx"' in r.headers["content-disposition"]
    book = load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["Tổng hợp", "Kết quả giải quyết", "Hình thức tiếp nhận", "Số hoá"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
    table = book["Kết quả giải quyết"]
    rows = list(table.values)
    assert list(rows[0]) == PROCEDURE_HEADERS and rows[0][4] == "Qua giao dịch điện tử (2)"
    total = rows[-1]
    assert total[2] == "Tổng cộng"
    assert total[3:] == (3, 1, 1, 0, 0, 1, 1, 1, 0, 1, 0, 1, 1, 1, 0, 0, 1, 0, 0), \
        "1=2+..+6, 7=8+9, 10=11+12, 13=14+15+16"
    assert rows[0][15] == "Theo cơ chế một cửa liên thông - Tổng số tiếp nhận (13=14+15+16)"
    assert all(isinstance(v, int) for v in total[3:]), "numbers are numbers"
    summary = dict(book["Tổng hợp"].iter_rows(min_row=2, values_only=True))
    assert summary["Số kỳ trước chuyển qua"] == 1 and summary["Số hồ sơ giải quyết đúng thời hạn"] == 1
    assert summary["Tỷ lệ giao dịch điện tử quý trước liền kề"] == 0.0
    assert book["Tổng hợp"]["B13"].number_format == "0.00%"


def test_the_csv_opens_in_excel_with_its_vietnamese(client: TestClient, register, as_user) -> None:
    r = client.get("/api/v1/reports/quarterly", params={**Q1, "format": "csv"}, headers=as_user("archivist1"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM"
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][3] == "Tổng số hồ sơ tiếp nhận (1=2+3+4+5+6)"
    assert rows[-1][2:5] == ["Tổng cộng", "3", "1"]


def test_the_scope_decides_the_offices(client: TestClient, register, as_user) -> None:
    r = client.get("/api/v1/reports/quarterly", params={**Q1, "office": "PT02"}, headers=as_user("archivist1"))
    assert (r.status_code, r.json()["code"]) == (403, "other_office")
    admin = as_user("admin1")
    for office in ("PT01", "PT02"):
        assert client.put(f"/api/v1/admin/offices/{office}", headers=admin,
                          json={"name": office, "province_code": "PTO"}).status_code == 200
    assert client.patch("/api/v1/admin/users/archivist1", headers=admin, json={"scope": "province"}).status_code == 200
    from tests.conftest import auth_header

    province = auth_header(client, "archivist1")  # the scope change ended the old session
    body = client.get("/api/v1/reports/quarterly", params=Q1, headers=province).json()
    assert body["offices"] == ["PT01", "PT02"] and body["totals"]["received"] == 3
    assert body["totals"]["received_by_channel"]["postal"] == 1
    only = client.get("/api/v1/reports/quarterly", params={**Q1, "office": "PT02"}, headers=province).json()
    assert only["offices"] == ["PT02"] and only["totals"]["received"] == 1
    with client.app.state.services.db.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "report.quarterly")
                          .order_by(AuditEntry.id.desc())).first()
        assert json.loads(entry.details)["cross_office"] is True


@pytest.mark.parametrize("params,status,code", [
    ({"from": "2026-01-01"}, 400, "period_incomplete"),
    ({"year": 2026}, 400, "period_incomplete"),
    ({"year": 2026, "quarter": 1, "from": "2026-01-01", "to": "2026-01-31"}, 400, "period_conflict"),
    ({"from": "2026-02-01", "to": "2026-01-01"}, 400, "invalid_period"),
    ({"from": "1900-01-01", "to": "2026-01-01"}, 400, "invalid_period"),
    ({"year": 2026, "quarter": 5}, 422, None),
    ({"format": "pdf"}, 422, None),
])
def test_bad_periods_are_refused(client: TestClient, as_user, params, status, code) -> None:
    r = client.get("/api/v1/reports/quarterly", params=params, headers=as_user("archivist1"))
    assert r.status_code == status, r.text
    if code:
        assert r.json()["code"] == code


def test_dates_instead_of_a_quarter_and_the_default_quarter(client: TestClient, register, as_user) -> None:
    r = client.get("/api/v1/reports/quarterly", params={"from": "2026-01-01", "to": "2026-01-31"},
                   headers=as_user("admin1"))
    assert r.status_code == 200 and r.json()["totals"]["received"] == 1 and r.json()["period"]["quarter"] is None
    current = client.get("/api/v1/reports/quarterly", headers=as_user("admin1")).json()["period"]
    assert current["quarter"] in (1, 2, 3, 4) and current["from"] <= date.today().isoformat() <= current["to"]


def test_reuse_figures_per_office(client: TestClient, register, as_user) -> None:
    r = client.get("/api/v1/reports/reuse", params=Q1, headers=as_user("archivist1"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == {"components": 1, "reused": 1, "digitized": 0, "share": 1.0, "dossiers": 2,
                             "dossiers_reusing": 1}
    assert [o["office"] for o in body["offices"]] == ["PT01"]
    assert client.get("/api/v1/reports/reuse", params={**Q1, "office": "PT02"},
                      headers=as_user("archivist1")).status_code == 403


def test_the_dossier_shows_its_office(client: TestClient, register) -> None:
    assert client.get(f"/api/v1/dossiers/{register['other']}").json()["office_code"] == "PT02"


def test_the_cli_writes_the_report(client: TestClient, register, cli, tmp_path) -> None:
    out = tmp_path / "q1.xlsx"
    result = cli("report", "quarterly", "--year", 2026, "--quarter", 1, "--office", "PT01", "--out", out)
    assert result.exit_code == 0, result.output
    rows = list(load_workbook(out)["Kết quả giải quyết"].values)
    assert rows[-1][3] == 3
    everything = tmp_path / "q1.json"
    assert cli("report", "quarterly", "--year", 2026, "--quarter", 1, "--format", "json", "--out",
               everything).exit_code == 0
    assert json.loads(everything.read_text(encoding="utf-8"))["totals"]["received"] == 3, "every office"
    bad = cli("report", "quarterly", "--year", 2026, "--out", out)
    assert bad.exit_code != 0 and "period_incomplete" in bad.output
    with client.app.state.services.db.session() as s:
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "report.quarterly",
                                                  AuditEntry.actor.startswith("cli:"))).first() is not None
