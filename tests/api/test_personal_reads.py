"""Every read of personal data is audited: the test walks the OpenAPI, finds each GET route whose
answer carries a citizen's data (an owner, a document's text, fields or file, a result, search
hits) from its response schema, calls it as a user of another office and expects an audit entry
with the ``cross_office`` flag."""
from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from catalog.audit import AuditEntry
from catalog.coding import DossierResult
from catalog.deadlines import load_calendar
from catalog.models import Document, Dossier
from catalog.records_models import BatchState, DisposalBatch, DisposalItem, RetentionRule, Tombstone
from catalog.users import Role, create_user
from core.clock import utcnow
from tests.api.test_access import allowed_roles, api_routes
from tests.conftest import OWNER_ID, PASSWORD, auth_header
from tests import samples
from tests.archive import Archive

PERSONAL_FIELDS = {
    "owner", "owner_ids", "owner_name", "owner_code", "owner_ref", "personal_id", "social_insurance_code",
    "full_name", "highlights", "fields", "text", "record", "candidates", "filename", "abstract", "signer",
    "digitization_code", "document_number", "target_ref",
    "ChuHoSo", "SoGiayToChuHoSo", "DinhDanhCHS", "MaSoBHXH", "TenTepDinhKem",  # the portal's sync record
}
"""Response properties that carry a citizen's data (digitization codes and file names contain them)."""
NOT_PERSONAL = {
    "/api/v1/admin/users": "staff accounts, not citizens' records",
    "/api/v1/admin/users/{username}": "staff accounts, not citizens' records",
    "/api/v1/admin/catalogs/{label}/{table}.csv": "the code catalog",
    "/api/v1/dossiers/{code}/assignees": "staff accounts, not citizens' records",
}


def _properties(spec: dict, schema: dict, seen: set[str]) -> set[str]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return set()
        seen.add(name)
        return _properties(spec, spec["components"]["schemas"][name], seen)
    found = set(schema.get("properties", {}))
    children = list(schema.get("properties", {}).values())
    children += [schema[k] for k in ("items", "additionalProperties") if isinstance(schema.get(k), dict)]
    children += [s for k in ("anyOf", "allOf", "oneOf") for s in schema.get(k, [])]
    for child in children:
        found |= _properties(spec, child, seen)
    return found


def personal_reads(app) -> list[str]:
    """GET paths whose successful answer is a file or has a personal property."""
    spec = app.openapi()
    found = []
    for path, operations in spec["paths"].items():
        op = operations.get("get")
        if op is None or path in NOT_PERSONAL:
            continue
        content = op["responses"].get("200", {}).get("content", {})
        files = any(not media.startswith("application/json") for media in content)
        fields = set().union(*(_properties(spec, c.get("schema", {}), set()) for c in content.values()))
        if files or fields & PERSONAL_FIELDS:
            found.append(path)
    return found


@pytest.fixture
def records(client, archive: Archive) -> dict[str, str]:
    """PT01 records for every path parameter a personal read takes."""
    dossier = archive.dossier(resolved=None)
    document = archive.document(dossier, review_status="approved", reviewed_by="handler1", permanent=True,
                                valid_until=None)  # offered for reuse
    result_document = archive.document(None)
    disposed = archive.document(dossier)
    services = client.app.state.services
    admin = auth_header(client, "archivist1")
    hold = client.post("/api/v1/admin/holds", headers=admin, json={"scope": "dossier", "ref": dossier,
                                                                   "reason": "Công văn 12/TTr"}).json()
    with services.db.session() as s:
        row = s.scalars(select(Dossier).where(Dossier.code == dossier)).one()
        s.add(DossierResult(dossier_id=row.id, document_id=result_document, result_code="1.000456.KQ01"))
        batch = DisposalBatch(code="BHXH-HUY-2026-0001", state=BatchState.completed.value, proposed_by="archivist1",
                              certificate_pdf_key="certificates/test.pdf", certificate_json_key="certificates/test.json")
        s.add(batch)
        s.flush()
        rule = s.scalars(select(RetentionRule).limit(1)).one()
        s.add(DisposalItem(batch_id=batch.id, document_id=disposed, rule_id=rule.id, state="destroyed"))
        s.add(Tombstone(document_id=disposed, batch_id=batch.id, rule_id=rule.id, disposed_at=utcnow(),
                        sha256="0" * 64, size=1, media_type="image/png", owner_ref=OWNER_ID, facts={}))
        for role in ("archivist", "admin"):
            create_user(s, f"{role}2", PASSWORD, Role(role), "PT02")
        batch_id = batch.id
    services.store.put_bytes("certificates/test.pdf", b"%PDF-1.7 certificate")
    services.store.put_bytes("certificates/test.json", b"{}")
    with services.db.session() as s:  # a real one-page searchable PDF, so its page can be drawn
        services.store.put_bytes(s.get(Document, document).pdf_key, samples.blank_pdf(1))
        s.scalars(select(Dossier).where(Dossier.code == dossier)).one().due_at = utcnow() - timedelta(days=3)
    counter = auth_header(client, "counter1")
    r = client.post(f"/api/v1/dossiers/{dossier}/apology-letters", headers=counter,
                    json={"reason": "Hồ sơ cần xác minh thêm tại cơ quan khác.", "new_due_on": _working_day_ahead(services)})
    assert r.status_code == 201, r.text
    r = client.post(f"/api/v1/dossiers/{dossier}/transitions", headers=counter,
                    json={"action": "request_supplement", "reason": "Thiếu bản sao giấy khai sinh."})
    assert r.status_code == 200, r.text
    return {"dossier": dossier, "document": document, "owner": OWNER_ID, "hold_id": str(hold["id"]),
            "batch_id": str(batch_id), "disposed": disposed, "event_id": str(r.json()["event"]["id"]),
            "number": "1"}


def _working_day_ahead(services) -> str:
    """The first working day a week from now, by the shipped holiday calendar."""
    with services.db.session() as s:
        return load_calendar(s).next_working(date.today() + timedelta(days=7)).isoformat()


def fill(path: str, records: dict[str, str]) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        if path.startswith(("/api/v1/owners/", "/api/v1/admin/transfer/owners/")) and name in ("code", "ref"):
            return records["owner"]
        if path.startswith("/api/v1/admin/tombstones/"):
            return records["disposed"]
        known = {"code": records["dossier"], "document_id": records["document"], "hold_id": records["hold_id"],
                 "batch_id": records["batch_id"], "event_id": records["event_id"], "number": records["number"]}
        assert name in known, f"{path}: add a PT01 record for path parameter {{{name}}} to the fixture"
        return known[name]

    return re.sub(r"\{([^}]+)\}", value, path)


def shows_pt01_records(response, records: dict[str, str]) -> bool:
    """A file of a PT01 record, or an answer naming one of them."""
    if not response.headers["content-type"].startswith("application/json"):
        return True
    return any(records[k] in response.text for k in ("dossier", "document", "owner", "disposed"))


def test_the_walk_finds_the_personal_reads(client):
    found = set(personal_reads(client.app))
    assert {"/api/v1/owners/{code}/reusable", "/api/v1/dossiers/{code}/results", "/api/v1/search",
            "/api/v1/documents/{document_id}/file", "/api/v1/owners/{code}"} <= found


def test_every_personal_read_writes_an_audit_entry_with_the_cross_office_flag(client, records):
    services = client.app.state.services
    routes = {r.path: r for r in api_routes(client.app.routes) if "GET" in r.methods}
    tokens: dict[str, dict[str, str]] = {}
    missing = []
    for path in personal_reads(client.app):
        roles = allowed_roles(routes[path])
        user = "handler2" if "handler" in roles else ("archivist2" if "archivist" in roles else "admin2")
        tokens.setdefault(user, auth_header(client, user))
        with services.db.session() as s:
            before = s.scalar(select(func.max(AuditEntry.id)))
        r = client.get(fill(path, records), headers=tokens[user])
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
        with services.db.session() as s:
            entries = list(s.scalars(select(AuditEntry).where(AuditEntry.id > before, AuditEntry.actor == user)))
        flagged = [e for e in entries if "cross_office" in json.loads(e.details)]
        if not flagged:
            missing.append(path)
        elif shows_pt01_records(r, records):
            assert any(json.loads(e.details)["cross_office"] for e in flagged), (path, "not flagged cross-office")
    assert not missing, f"personal reads without an audited cross_office flag: {missing}"
