"""POST /api/v1/dossiers/{code}/transitions: the whole matrix (every action × state × role) against
a table written here, and bad input refused with a clear message and nothing written."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from catalog.audit import AuditEntry
from catalog.deadlines import local_day
from catalog.models import Dossier
from catalog.register_models import DossierEvent
from catalog.users import Role, create_user
from tests.conftest import ROLES, auth_header, open_dossier

STATES = ("received", "in_progress", "supplement_requested", "resolved", "returned", "withdrawn")
STATE_VI = {"received": "mới tiếp nhận", "in_progress": "đang giải quyết", "supplement_requested": "chờ bổ sung hồ sơ",
            "resolved": "đã giải quyết xong", "returned": "đã trả lại hồ sơ", "withdrawn": "công dân đã rút hồ sơ"}
OPEN = {"received", "in_progress", "supplement_requested"}
STAFF = {"counter", "handler", "admin"}
MATRIX = {  # action: (roles allowed, states it starts from, state it leads to; None = unchanged)
    "start": (STAFF, {"received"}, "in_progress"),
    "assign": (STAFF, {"received", "in_progress"}, None),
    "request_supplement": (STAFF, {"received", "in_progress"}, "supplement_requested"),
    "supplement_received": ({"counter", "admin"}, {"supplement_requested"}, "in_progress"),
    "resolve": ({"handler", "admin"}, {"in_progress"}, "resolved"),
    "return": (STAFF, OPEN, "returned"),
    "withdraw": ({"counter", "admin"}, OPEN, "withdrawn"),
}
BODY = {"assign": {"assignee": "handler1"}, "request_supplement": {"reason": "Thiếu giấy ra viện"},
        "return": {"reason": "Không thuộc đối tượng hưởng chế độ"}, "withdraw": {"reason": "Công dân xin rút hồ sơ"}}


def _set_status(client: TestClient, code: str, status: str) -> None:
    with client.app.state.services.db.session() as s:
        s.scalars(select(Dossier).where(Dossier.code == code)).one().status = status


def _written(client: TestClient, code: str) -> tuple[int, int, int]:
    """History rows, audit entries and version: what a refused transition must leave alone."""
    with client.app.state.services.db.session() as s:
        dossier = s.scalars(select(Dossier).where(Dossier.code == code)).one()
        return (s.scalar(select(func.count(DossierEvent.id)).where(DossierEvent.dossier_id == dossier.id)),
                s.scalar(select(func.count(AuditEntry.id))), dossier.version)


@pytest.mark.parametrize("action", list(MATRIX))
def test_transition_matrix(client: TestClient, action: str) -> None:
    roles, sources, target = MATRIX[action]
    headers = {role: auth_header(client, f"{role}1") for role in ROLES}
    code = open_dossier(client)["code"]
    for state in STATES:
        for role in ROLES:
            _set_status(client, code, state)
            history, _, version = _written(client, code)
            r = client.post(f"/api/v1/dossiers/{code}/transitions", json={"action": action, **BODY.get(action, {})},
                            headers=headers[role])
            case = f"{action} from {state} as {role}"
            if role not in roles:
                assert r.status_code == 403, case
                assert r.json()["code"] in ("forbidden", "action_forbidden") and "quyền" in r.json()["message"] \
                    or "không được" in r.json()["message"], case
            elif state not in sources:
                assert r.status_code == 409, case
                body = r.json()
                assert body["code"] == "illegal_transition" and code in body["message"], case
                assert f"vì hồ sơ {STATE_VI[state]};" in body["message"], case
                assert all(STATE_VI[source] in body["message"] for source in sources), case
            else:
                assert r.status_code == 200, (case, r.text)
                event = r.json()["event"]
                assert (event["from_status"], event["to_status"]) == (state, target or state), case
                assert event["actor"] == f"{role}1" and event["role"] == role, case
                assert r.json()["lifecycle"]["status"] == (target or state), case
                assert _written(client, code)[0] == history + 1 and _written(client, code)[2] == version + 1, case
                continue
            assert _written(client, code)[0] == history and _written(client, code)[2] == version, case


def test_history_is_shown_on_the_dossier_and_audited(client: TestClient) -> None:
    code = open_dossier(client)["code"]
    handler = auth_header(client, "handler1")
    assert client.post(f"/api/v1/dossiers/{code}/transitions",
                       json={"action": "start", "assignee": "handler1", "department": "CSXH"}).status_code == 200
    assert client.post(f"/api/v1/dossiers/{code}/transitions", json={"action": "resolve"},
                       headers=handler).status_code == 200
    body = client.get(f"/api/v1/dossiers/{code}").json()
    assert body["status"] == "resolved"
    lifecycle = body["lifecycle"]
    assert lifecycle["resolved_at"] and lifecycle["assignee"] == "handler1" and lifecycle["department"] == "CSXH"
    assert [(e["action"], e["actor"]) for e in lifecycle["history"]] == [("start", "counter1"), ("resolve", "handler1")]
    assert [s["department"] for s in lifecycle["steps"]] == ["MC", "CSXH", "MC"]
    assert sum(s["working_days"] for s in lifecycle["steps"]) == 6
    assert [s["current"] for s in lifecycle["steps"]] == [False, True, False]
    dues = [date.fromisoformat(s["due_on"]) for s in lifecycle["steps"]]
    assert dues == sorted(set(dues)) and dues[-1] == local_day(datetime.fromisoformat(body["due_at"]))
    with client.app.state.services.db.session() as s:
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.object_id == code)).all()
    assert {"dossier.start", "dossier.resolve"} <= set(actions)


BAD = [
    ({"action": "approve"}, 400, "unknown_action"),
    ({"action": "return"}, 400, "reason_required"),
    ({"action": "withdraw", "reason": "   "}, 400, "reason_required"),
    ({"action": "request_supplement", "reason": "x" * 1001}, 400, "reason_too_long"),
    ({"action": "assign"}, 400, "assignee_required"),
    ({"action": "assign", "assignee": "nobody"}, 400, "unknown_assignee"),
    ({"action": "assign", "assignee": "archivist1"}, 400, "unknown_assignee"),
    ({"action": "start", "department": "KHTC"}, 400, "unknown_department"),
    ({"action": "start", "version": 99}, 409, "dossier_changed"),
    ({"action": "withdraw", "reason": "Xin rút", "assignee": "handler1"}, 400, "assignment_not_allowed"),
    ({"reason": "no action"}, 422, "invalid_request"),
]


@pytest.mark.parametrize(("body", "status", "code"), BAD, ids=[b[2] + "-" + str(i) for i, b in enumerate(BAD)])
def test_bad_input_is_refused_and_nothing_is_written(client: TestClient, body: dict, status: int, code: str) -> None:
    dossier = open_dossier(client)["code"]
    before = _written(client, dossier)
    r = client.post(f"/api/v1/dossiers/{dossier}/transitions", json=body)
    assert (r.status_code, r.json()["code"]) == (status, code), r.text
    assert r.json()["message"]
    assert _written(client, dossier) == before


def test_unknown_dossier_and_archivist(client: TestClient) -> None:
    r = client.post("/api/v1/dossiers/BHXH-000000-0000/transitions", json={"action": "start"})
    assert (r.status_code, r.json()["code"]) == (404, "dossier_not_found")
    code = open_dossier(client)["code"]
    r = client.post(f"/api/v1/dossiers/{code}/transitions", json={"action": "start"},
                    headers=auth_header(client, "archivist1"))
    assert r.status_code == 403


def test_the_dossier_lists_the_actions_its_reader_may_take_now(client: TestClient) -> None:
    """allowed_actions is the matrix above, read for one role and one state; nothing on another office's dossier."""
    headers = {role: auth_header(client, f"{role}1") for role in ROLES}
    code = open_dossier(client)["code"]
    for state in STATES:
        _set_status(client, code, state)
        for role in ROLES:
            body = client.get(f"/api/v1/dossiers/{code}", headers=headers[role]).json()
            offered = body["lifecycle"]["allowed_actions"]
            assert body["lifecycle"]["closed"] == (state not in OPEN)
            expected = [a for a, (roles, sources, _) in MATRIX.items() if role in roles and state in sources]
            assert [a["action"] for a in offered] == expected, (state, role)
            assert {a["action"] for a in offered if a["needs_reason"]} == \
                {"request_supplement", "return", "withdraw"} & set(expected), (state, role)
            assert {a["action"] for a in offered if a["assigns"]} == {"start", "assign"} & set(expected)
    _set_status(client, code, "in_progress")
    after = client.post(f"/api/v1/dossiers/{code}/transitions", json={"action": "assign", "assignee": "handler1"})
    assert [a["action"] for a in after.json()["lifecycle"]["allowed_actions"]] == [
        "assign", "request_supplement", "return", "withdraw"]  # the counter's, after its own transition
    elsewhere = client.get(f"/api/v1/dossiers/{code}", headers=auth_header(client, "handler2")).json()
    assert elsewhere["lifecycle"]["allowed_actions"] == []  # may read it, may not move it


def test_the_assignee_picker_lists_the_active_handlers_of_the_dossiers_office(client: TestClient) -> None:
    code = open_dossier(client)["code"]
    with client.app.state.services.db.session() as s:
        create_user(s, "handler3", "mat-khau-thu-nghiem", Role.handler, "PT01", full_name="Trần Thị Lan")
        create_user(s, "handler4", "mat-khau-thu-nghiem", Role.handler, "PT01").active = False
        create_user(s, "handler5", "mat-khau-thu-nghiem", Role.handler, "PT02")
        create_user(s, "counter5", "mat-khau-thu-nghiem", Role.counter, "PT02")
    r = client.get(f"/api/v1/dossiers/{code}/assignees")
    assert r.status_code == 200, r.text
    assert r.json() == [{"username": "handler1", "full_name": None},
                        {"username": "handler3", "full_name": "Trần Thị Lan"}]
    # The register takes exactly these: another office's handler or an inactive one is refused.
    for name in ("handler4", "handler5", "counter1"):
        refused = client.post(f"/api/v1/dossiers/{code}/transitions", json={"action": "assign", "assignee": name})
        assert (refused.status_code, refused.json()["code"]) == (400, "unknown_assignee"), name
    assert client.post(f"/api/v1/dossiers/{code}/transitions",
                       json={"action": "assign", "assignee": "handler3"}).status_code == 200
    # Role- and office-scoped: an archivist, or a counter of another office, is not shown the office's staff.
    assert client.get(f"/api/v1/dossiers/{code}/assignees", headers=auth_header(client, "archivist1")).status_code == 403
    other = client.get(f"/api/v1/dossiers/{code}/assignees", headers=auth_header(client, "counter5"))
    assert (other.status_code, other.json()["code"]) == (403, "other_office")
    missing = client.get("/api/v1/dossiers/BHXH-000000-0000/assignees")
    assert (missing.status_code, missing.json()["code"]) == (404, "dossier_not_found")
