"""``sohoa dossiers overdue`` and ``sohoa calendar import|export`` on the test app's catalog."""
from __future__ import annotations

import json
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from catalog.models import Dossier
from catalog.register_models import CalendarDay
from core.clock import utcnow
from tests.conftest import open_dossier


def test_dossiers_overdue(client: TestClient, cli) -> None:
    late, on_time = open_dossier(client)["code"], open_dossier(client)["code"]
    result = cli("dossiers", "overdue")
    assert result.exit_code == 0 and late not in result.output
    with client.app.state.services.db.session() as s:
        s.scalars(select(Dossier).where(Dossier.code == late)).one().due_at = utcnow() - timedelta(days=1)
    result = cli("dossiers", "overdue")
    assert result.exit_code == 1, "overdue dossiers make the command fail (for monitoring)"
    assert late in result.output and on_time not in result.output and "1 hồ sơ quá hạn" in result.output


def test_calendar_export_then_import_with_dry_run(client: TestClient, cli, tmp_path) -> None:
    path = tmp_path / "2026.json"
    assert cli("calendar", "export", "--year", 2026, "-o", path).exit_code == 0
    data = json.loads(path.read_text(encoding="utf-8"))
    assert [y["year"] for y in data["years"]] == [2026]
    data["years"][0]["days"].append({"date": "2026-09-04", "kind": "day_off", "name": "Nghỉ hoán đổi (thử)"})
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    dry = cli("calendar", "import", path, "--dry-run")
    assert dry.exit_code == 0 and json.loads(dry.stdout)["changes"]["2026"]["added"] == ["2026-09-04"]
    with client.app.state.services.db.session() as s:
        assert s.get(CalendarDay, date(2026, 9, 4)) is None
    done = cli("calendar", "import", path)
    assert done.exit_code == 0 and json.loads(done.output)["imported"]
    with client.app.state.services.db.session() as s:
        assert s.get(CalendarDay, date(2026, 9, 4)).kind == "day_off"

    data["years"][0]["days"].append({"date": "2026-09-05", "kind": "day_off", "name": "Thứ Bảy"})
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    refused = cli("calendar", "import", path)
    assert refused.exit_code == 1 and "not_a_weekday" in refused.output
    path.write_text("{not json", encoding="utf-8")
    assert cli("calendar", "import", path).exit_code != 0
