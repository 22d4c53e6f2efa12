"""The due-date preview and the archivists' calendar import/export over HTTP."""
from __future__ import annotations

import json

from fastapi.testclient import TestClient

from catalog.holidays import HOLIDAY_DIR
from tests.conftest import auth_header


def test_due_date_preview(client: TestClient) -> None:
    r = client.get("/api/v1/calendar/due-date", params={"received_at": "2026-04-27T09:00:00", "working_days": 6})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["counts_from"] == "2026-04-28" and body["due_on"] == "2026-05-08"
    assert [d["date"] for d in body["skipped"]] == ["2026-04-27", "2026-04-30", "2026-05-01"]
    after_hours = client.get("/api/v1/calendar/due-date",
                             params={"received_at": "2026-04-21T16:45:00+07:00", "working_days": 1}).json()
    assert after_hours["counts_from"] == "2026-04-22" and after_hours["due_on"] == "2026-04-23"


def test_due_date_preview_bad_input(client: TestClient) -> None:
    r = client.get("/api/v1/calendar/due-date", params={"received_at": "2031-01-05T09:00:00", "working_days": 3})
    assert (r.status_code, r.json()["code"]) == (400, "calendar_year_missing")
    assert "2031" in r.json()["message"]
    assert client.get("/api/v1/calendar/due-date", params={"received_at": "hôm nay", "working_days": 3}).status_code == 422
    assert client.get("/api/v1/calendar/due-date", params={"received_at": "2026-04-21T09:00:00",
                                                           "working_days": -1}).status_code == 422


def test_archivists_import_and_export_the_calendar(client: TestClient) -> None:
    archivist = auth_header(client, "archivist1")
    assert client.get("/api/v1/admin/calendar").status_code == 403, "counters do not manage the calendar"
    exported = client.get("/api/v1/admin/calendar", params={"years": [2026]}, headers=archivist).json()
    assert [y["year"] for y in exported["years"]] == [2026]

    doc = json.loads((HOLIDAY_DIR / "2026.json").read_text(encoding="utf-8"))
    doc["days"].append({"date": "2026-09-03", "kind": "day_off", "name": "Nghỉ hoán đổi (thử)"})
    dry = client.post("/api/v1/admin/calendar", params={"dry_run": "true"}, json=doc, headers=archivist).json()
    assert dry["valid"] and not dry["imported"] and dry["changes"]["2026"]["added"] == ["2026-09-03"]
    preview = {"received_at": "2026-08-31T09:00:00", "working_days": 1}  # 1/9, 2/9 off
    assert client.get("/api/v1/calendar/due-date", params=preview).json()["due_on"] == "2026-09-03"

    assert client.post("/api/v1/admin/calendar", json=doc, headers=archivist).json()["imported"]
    assert client.get("/api/v1/calendar/due-date", params=preview).json()["due_on"] == "2026-09-04"

    doc["days"] = [d for d in doc["days"] if d["date"] != "2026-02-17"]
    r = client.post("/api/v1/admin/calendar", json=doc, headers=archivist)
    assert (r.status_code, r.json()["code"]) == (422, "calendar_invalid")
    assert "missing_holiday" in {p["code"] for p in r.json()["report"]["problems"]}
    assert client.get("/api/v1/calendar/due-date", params=preview).json()["due_on"] == "2026-09-04"
    r = client.get("/api/v1/admin/calendar", params={"years": [2031]}, headers=archivist)
    assert (r.status_code, r.json()["code"]) == (400, "calendar_year_missing")
