"""Worklists (GET /api/v1/dossiers): filters, due-date order, counts per status, paging, and who
sees what by default."""
from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from catalog.models import Dossier
from core.clock import utcnow
from tests.conftest import auth_header, open_dossier


def _due_in(client: TestClient, code: str, days: float) -> None:
    with client.app.state.services.db.session() as s:
        s.scalars(select(Dossier).where(Dossier.code == code)).one().due_at = utcnow() + timedelta(days=days)


def test_worklist_filters_sorts_and_counts(client: TestClient) -> None:
    a = open_dossier(client, owner="001203000001")["code"]
    b = open_dossier(client, owner="001203000002", procedure="1.000457")["code"]
    c = open_dossier(client, owner="001203000003")["code"]
    _due_in(client, a, 5)
    _due_in(client, b, -1)
    _due_in(client, c, 2)
    client.post(f"/api/v1/dossiers/{c}/transitions", json={"action": "start", "assignee": "handler1"})

    body = client.get("/api/v1/dossiers").json()
    assert [i["code"] for i in body["items"]] == [b, c, a], "sorted by due date"
    assert body["total"] == 3 and body["counts"]["received"] == 2 and body["counts"]["in_progress"] == 1
    assert [i["code"] for i in client.get("/api/v1/dossiers", params={"overdue": "true"}).json()["items"]] == [b]
    assert {i["code"] for i in client.get("/api/v1/dossiers", params={"overdue": "false"}).json()["items"]} == {a, c}
    status = client.get("/api/v1/dossiers", params={"status": "received"}).json()
    assert [i["code"] for i in status["items"]] == [b, a]
    assert status["counts"]["in_progress"] == 1, "counts ignore the status filter"
    assert [i["code"] for i in client.get("/api/v1/dossiers", params={"procedure": "1.000457"}).json()["items"]] == [b]
    assert [i["code"] for i in client.get("/api/v1/dossiers", params={"q": "001203000003"}).json()["items"]] == [c]
    assert [i["code"] for i in client.get("/api/v1/dossiers", params={"q": a}).json()["items"]] == [a]
    due_before = (utcnow() + timedelta(days=3)).date().isoformat()
    assert {i["code"] for i in client.get("/api/v1/dossiers", params={"due_before": due_before}).json()["items"]} \
        == {b, c}
    paged = client.get("/api/v1/dossiers", params={"size": 2, "page": 2}).json()
    assert [i["code"] for i in paged["items"]] == [a] and paged["total"] == 3


def test_handlers_see_their_own_and_counters_their_office(client: TestClient) -> None:
    mine = open_dossier(client, owner="001203000001")["code"]
    open_dossier(client, owner="001203000002")
    client.post(f"/api/v1/dossiers/{mine}/transitions", json={"action": "start", "assignee": "handler1"})
    handler = auth_header(client, "handler1")
    assert [i["code"] for i in client.get("/api/v1/dossiers", headers=handler).json()["items"]] == [mine]
    assert client.get("/api/v1/dossiers", params={"assignee": "all"}, headers=handler).json()["total"] == 2
    other_office = auth_header(client, "handler2")
    assert client.get("/api/v1/dossiers", headers=other_office).json()["total"] == 0
    assert client.get("/api/v1/dossiers", params={"office": "PT02"}).json()["total"] == 0


def test_bad_worklist_queries(client: TestClient) -> None:
    r = client.get("/api/v1/dossiers", params={"status": "archived"})
    assert (r.status_code, r.json()["code"]) == (400, "unknown_status")
    assert client.get("/api/v1/dossiers", params={"size": 1000}).status_code == 422
    assert client.get("/api/v1/dossiers", params={"page": 10**19}).status_code == 422  # no offset the database cannot hold
    assert client.get("/api/v1/dossiers", params={"due_before": "tomorrow"}).status_code == 422


def test_overdue_first_is_sorted_by_the_server_across_pages(client: TestClient) -> None:
    """Late dossiers first over the whole worklist (each part by due date), in pages that neither repeat
    nor skip; a dossier with no due date or waiting for a supplement is never late."""
    days = [4, -3, 1, -1, 6, -5, 2, -2, 3]
    codes = [open_dossier(client, owner=f"0012030001{n:02d}")["code"] for n in range(len(days))]
    for code, d in zip(codes, days):
        _due_in(client, code, d)
    paused = open_dossier(client, owner="001203000190")["code"]
    _due_in(client, paused, -4)
    assert client.post(f"/api/v1/dossiers/{paused}/transitions",
                       json={"action": "request_supplement", "reason": "Thiếu giấy ra viện"}).status_code == 200
    undated = open_dossier(client, owner="001203000191")["code"]
    with client.app.state.services.db.session() as s:
        s.scalars(select(Dossier).where(Dossier.code == undated)).one().due_at = None
    by_due = sorted(zip(days, codes))
    late, on_time = [c for d, c in by_due if d < 0], [c for d, c in by_due if d > 0]
    pages = [client.get("/api/v1/dossiers", params={"sort": "overdue_first", "size": 4, "page": n}).json()
             for n in (1, 2, 3)]
    seen = [i["code"] for p in pages for i in p["items"]]
    assert seen[:4] == late and all(i["overdue"] for i in pages[0]["items"])
    assert len(seen) == len(set(seen)) == 11 and pages[0]["total"] == 11
    rest = [c for c in seen[4:] if c not in (paused, undated)]
    assert rest == on_time, "after the late ones, the others by due date"
    assert pages[0]["items"][-1]["overdue"] and not pages[1]["items"][0]["overdue"]  # the seam on a page edge
    odd = [i["code"] for n in (1, 2, 3, 4) for i in client.get(
        "/api/v1/dossiers", params={"sort": "overdue_first", "size": 3, "page": n}).json()["items"]]
    assert odd == seen, "the seam inside a page gives the same order"
    only_late = client.get("/api/v1/dossiers", params={"sort": "overdue_first", "overdue": "true"}).json()
    assert [i["code"] for i in only_late["items"]] == late
    on_time_only = client.get("/api/v1/dossiers", params={"sort": "overdue_first", "overdue": "false"}).json()
    assert {i["code"] for i in on_time_only["items"]} == set(on_time) | {paused, undated}
    assert [i["code"] for i in client.get("/api/v1/dossiers", params={"size": 4}).json()["items"]] != late


def test_a_worklist_page_is_read_off_the_due_date_index(client: TestClient) -> None:
    """SQLite's plan for the walks of overdue-first: the late ones found by the index of (status, due date),
    sorting only them; the others walked in the order of the (due_at, id) index, no sort of the worklist."""
    from catalog.worklist import Filters, _late, _on_time, _where

    if client.app.state.services.db.engine.dialect.name != "sqlite":
        pytest.skip("the plan is SQLite's")
    now = utcnow()
    with client.app.state.services.db.session() as s:
        plans = []
        for part in (_late(now), _on_time(now)):
            stmt = _where(select(Dossier.id), Filters(), now).where(part).order_by(Dossier.due_at, Dossier.id).limit(50)
            sql = str(stmt.compile(s.bind, compile_kwargs={"literal_binds": True}))
            plans.append(" ".join(str(row[-1]) for row in s.execute(text(f"EXPLAIN QUERY PLAN {sql}"))))
    late, on_time = plans
    assert late.startswith("SEARCH dossier USING") and "due_at<" in late, late
    assert "ix_dossier_due_at_id" in on_time and "TEMP B-TREE" not in on_time, on_time


def test_an_unknown_sort_is_refused(client: TestClient) -> None:
    r = client.get("/api/v1/dossiers", params={"sort": "name"})
    assert (r.status_code, r.json()["code"]) == (400, "unknown_sort") and "overdue_first" in r.json()["message"]
