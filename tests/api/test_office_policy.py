"""Office boundaries: every route that changes a record refuses records of another office, walked
over the whole OpenAPI like the role test; archivists and admins work within their scope."""
from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from catalog.coding import DossierResult
from catalog.models import Dossier
from catalog.users import Role, create_user
from tests.api.test_access import schema_routes
from tests.conftest import PASSWORD, auth_header
from tests.archive import Archive

# Writes that are not one office's records. A new write route either declares its record
# (require(..., writes=DOSSIER|DOCUMENT)) or is listed here with the reason.
OFFICE_FREE = {
    ("POST", "/api/v1/dossiers"): "opens the dossier in the caller's own office",
    ("POST", "/api/v1/auth/token"): "signing in",
    ("POST", "/api/v1/auth/refresh"): "renews the caller's own session",
    ("POST", "/api/v1/admin/users"): "accounts are administered system-wide",
    ("PATCH", "/api/v1/admin/users/{username}"): "accounts are administered system-wide",
    ("POST", "/api/v1/admin/users/{username}/api-keys"): "accounts are administered system-wide",
    ("DELETE", "/api/v1/admin/users/{username}/lockout"): "accounts are administered system-wide",
    ("DELETE", "/api/v1/admin/api-keys/{prefix}"): "accounts are administered system-wide",
    ("PUT", "/api/v1/admin/offices/{code}"): "offices are administered system-wide",
    ("POST", "/api/v1/admin/catalogs"): "code catalogs are national",
    ("POST", "/api/v1/admin/catalogs/{table}.csv"): "code catalogs are national",
    ("POST", "/api/v1/admin/classifier/train"): "one classifier for the archive",
    ("PUT", "/api/v1/admin/retention/rules/{code}"): "retention rules are national",
    ("POST", "/api/v1/admin/retention/reviews"): "counts only",
    ("PUT", "/api/v1/admin/owners/{ref}/death"): "a citizen's fact, not an office's record",
    ("POST", "/api/v1/owners/{code}/merge"): "citizens are one record across offices",
    ("POST", "/api/v1/admin/fixity/runs"): "checks the whole store",
    ("POST", "/api/v1/admin/calendar"): "the holiday calendar is national",
    ("POST", "/api/v1/setup/admin"): "the first administrator, once, from the machine itself",
    ("POST", "/api/v1/admin/holds"): "checks the dossier or document named in the body (tested below)",
    ("POST", "/api/v1/admin/holds/{hold_id}/release"): "releases what an archivist placed",
    ("POST", "/api/v1/admin/disposal/batches"): "checks every document in the body (tested below)",
    ("POST", "/api/v1/admin/disposal/batches/{batch_id}/approve"): "the batch was scoped when proposed",
    ("POST", "/api/v1/admin/disposal/batches/{batch_id}/reject"): "the batch was scoped when proposed",
    ("POST", "/api/v1/admin/disposal/batches/{batch_id}/execute"): "the batch was scoped when proposed",
    ("POST", "/api/v1/admin/audit/checkpoints"): "anchors the whole audit log",
    ("POST", "/api/v1/admin/sync-outbox/{row_id}/requeue"): "sends a record again; changes no dossier",
}
OTHER_OFFICE = "PT02"


def office_scope(route: APIRoute) -> str | None:
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if getattr(dep.call, "office_scope", None):
            return dep.call.office_scope
        stack.extend(dep.dependencies)
    return None


def allowed_roles(route: APIRoute) -> frozenset[str]:
    from tests.api.test_access import allowed_roles as roles

    return roles(route) or frozenset()


@pytest.fixture
def records(client, archive: Archive) -> dict[str, str]:
    """A PT01 dossier with a paper and a result, and one user per role in PT02."""
    dossier = archive.dossier(resolved=None)
    document = archive.document(dossier)
    result_document = archive.document(None)
    services = client.app.state.services
    with services.db.session() as s:
        row = s.query(Dossier).filter_by(code=dossier).one()
        result = DossierResult(dossier_id=row.id, document_id=result_document, result_code="1.000456.KQ01")
        s.add(result)
        s.flush()
        for role in ("counter", "archivist", "admin"):
            create_user(s, f"{role}2", PASSWORD, Role(role), OTHER_OFFICE)
        return {"code": dossier, "document_id": document, "result_id": str(result.id)}


def fill(path: str, values: dict[str, str]) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        assert name in values, f"{path}: add a PT01 record for path parameter {{{name}}} to the fixture"
        return values[name]

    return re.sub(r"\{([^}]+)\}", value, path)


def test_every_write_route_declares_the_record_it_changes(client):
    undeclared = [(m, r.path) for m, r in schema_routes(client.app)
                  if m != "GET" and office_scope(r) is None and (m, r.path) not in OFFICE_FREE]
    assert not undeclared, f"write routes with no office rule (declare writes=… or list them): {undeclared}"


def test_every_scoped_route_refuses_a_user_of_another_office(client, records):
    tokens = {}
    checked = 0
    for method, route in schema_routes(client.app):
        if office_scope(route) is None:
            continue
        url = fill(route.path, records)
        roles = sorted(allowed_roles(route) - {"admin"}) + ["admin"]
        for role in roles:  # every role the route allows, admin (office scope) included
            user = "handler2" if role == "handler" else f"{role}2"
            tokens.setdefault(user, auth_header(client, user))
            r = client.request(method, url, headers=tokens[user])
            assert r.status_code == 403, (method, url, user, r.status_code, r.text)
            assert r.json()["code"] == "other_office"
        checked += 1
    assert checked >= 9
    # Nothing was changed by the refused calls: the PT01 record is as it was.
    r = client.get(f"/api/v1/documents/{records['document_id']}")
    assert r.json()["record"]["owner_name"] == "Nguyễn Văn Đức"


def test_writes_inside_the_office_pass_the_rule(client, records):
    r = client.patch(f"/api/v1/documents/{records['document_id']}/record", json={"owner_name": "Nguyễn Văn Đức"})
    assert r.status_code == 200, r.text


def test_a_province_scope_reaches_the_offices_of_the_province(client, records):
    admin = auth_header(client, "admin1")
    for office in ("PT01", OTHER_OFFICE):
        assert client.put(f"/api/v1/admin/offices/{office}", headers=admin,
                          json={"name": office, "province_code": "PTO"}).status_code == 200
    url = f"/api/v1/documents/{records['document_id']}/record"
    body = {"signer": "Trần Thị C"}
    assert client.patch(url, headers=auth_header(client, "archivist2"), json=body).status_code == 403
    r = client.patch("/api/v1/admin/users/archivist2", headers=admin, json={"scope": "province"})
    assert r.status_code == 200 and r.json()["scope"] == "province"
    assert client.patch(url, headers=auth_header(client, "archivist2"), json=body).status_code == 200
    # A counter's scope is always the office: a province scope is for archivists and admins.
    client.patch("/api/v1/admin/users/counter2", headers=admin, json={"scope": "province"})
    assert client.patch(url, headers=auth_header(client, "counter2"), json=body).status_code == 403


def test_holds_and_disposal_name_records_in_the_body_and_are_scoped_too(client, records):
    archivist = auth_header(client, "archivist2")
    for scope, ref in (("dossier", records["code"]), ("document", records["document_id"])):
        r = client.post("/api/v1/admin/holds", headers=archivist, json={"scope": scope, "ref": ref, "reason": "vụ việc"})
        assert r.status_code == 403 and r.json()["code"] == "other_office", r.text
    r = client.post("/api/v1/admin/disposal/batches", headers=archivist, json={"document_ids": [records["document_id"]]})
    assert r.status_code == 403 and r.json()["code"] == "other_office"


def test_reading_another_offices_dossier_is_allowed_and_audited_as_cross_office(client, records):
    from catalog.audit import AuditEntry

    r = client.get(f"/api/v1/dossiers/{records['code']}", headers=auth_header(client, "handler2"))
    assert r.status_code == 200
    with client.app.state.services.db.session() as s:
        entry = s.query(AuditEntry).filter_by(action="dossier.read").order_by(AuditEntry.id.desc()).first()
        assert entry.actor == "handler2" and '"cross_office": true' in entry.details
