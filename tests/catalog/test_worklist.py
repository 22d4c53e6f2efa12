"""Worklists (GET /api/v1/dossiers): filters, due-date order, counts per status, paging, and who
sees what by default."""
from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

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
    assert client.get("/api/v1/dossiers", params={"due_before": "tomorrow"}).status_code == 422
