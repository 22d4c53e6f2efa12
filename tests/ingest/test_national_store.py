"""Taking a paper from the national data store (a real HTTP server on loopback serving a PDF) into
a dossier's checklist: stored through intake like an upload, recorded with its national code,
shown as DuocLayTuKhoDMQG in the sync record, offered for reuse later; and every refusal."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from catalog.audit import AuditEntry
from catalog.models import Component, Document
from catalog.portal_record import schema
from tests.catalog.test_reuse import BIRTH, FORM, candidate_ids
from tests.conftest import OWNER_ID, auth_header, open_dossier, running_client, wait_document
from tests.portal_servers import BIRTH_CERTIFICATE_CODE as CODE
from tests.portal_servers import NationalStoreServer, serving, store_with_birth_certificate

API = "/api/v1/dossiers/{}/components/national-store"


@pytest.fixture
def store(tmp_path: Path) -> NationalStoreServer:
    return store_with_birth_certificate(tmp_path)


@pytest.fixture
def with_store(settings, store) -> Iterator[TestClient]:
    with serving(store) as url:
        yield from running_client(settings.model_copy(update={"national_store_url": url}))


def take(client: TestClient, dossier: str, type_code: str = "HT01", component: str | None = BIRTH, **kw):
    body = {"document_type_code": type_code, **({"component_code": component} if component else {})}
    return client.post(API.format(dossier), json=body, **kw)


def test_a_paper_from_the_store_is_filed_marked_synced_and_offered_again(with_store, store) -> None:
    client = with_store
    opened = open_dossier(client, procedure="1.000123")
    assert opened["checklist"]["national_store"] is True  # the counter page offers the store
    dossier = opened["code"]
    r = take(client, dossier)
    assert r.status_code == 202, r.text
    [accepted] = r.json()["documents"]
    assert store.lookups == [{"owner": OWNER_ID, "document_type": "HT01"}]
    assert wait_document(client, accepted["id"])["status"] == "ready"
    with client.app.state.services.db.session() as s:
        document = s.get(Document, accepted["id"])
        assert (document.national_store_code, document.document_type_code, document.type_status) == \
            (CODE, "HT01", "confirmed")
        assert (document.review_status, document.document_number, document.issuing_agency) == \
            ("approved", "123/KS", "UBND phường Bến Nghé")
        assert document.digitization_code and document.digitization_code.startswith(f"{OWNER_ID}.HT01.")
        component = s.scalars(select(Component).where(Component.document_id == document.id)).one()
        assert component.from_national_store and component.component_code == BIRTH and not component.reused
        assert s.scalar(select(func.count()).select_from(AuditEntry)
                        .where(AuditEntry.action == "document.national_store_take")) == 1
    checklist = client.get(f"/api/v1/dossiers/{dossier}/checklist").json()
    assert checklist["national_store"] is True
    [item] = [i for i in checklist["items"] if i["component_code"] == BIRTH]
    assert [(a["from_national_store"], a["reused"]) for a in item["attached"]] == [(True, False)]
    record = client.get(f"/api/v1/dossiers/{dossier}/sync-record").json()
    jsonschema.Draft202012Validator(schema()).validate(record)
    [paper] = record["TaiLieuNop"]
    assert (paper["DuocLayTuKhoDMQG"], paper["MaGiayToKhoDMQG"], paper["DuocTaiSuDung"], paper["DuocSoHoa"]) == \
        ("1", CODE, "0", "1")
    later = open_dossier(client, procedure="1.000123")  # the same citizen comes back: no need to ask again
    assert accepted["id"] in candidate_ids(later["checklist"], BIRTH)


def test_what_the_store_cannot_give_is_refused_clearly_and_nothing_is_written(with_store, store) -> None:
    client = with_store
    dossier = open_dossier(client, procedure="1.000123")["code"]
    with client.app.state.services.db.session() as s:
        documents = s.scalar(select(func.count()).select_from(Document))
    r = take(client, dossier, "KS01", component=None)
    assert r.status_code == 400 and r.json()["code"] == "unknown_document_type"
    r = take(client, dossier, "HT01", component=FORM)  # the declaration form is of another type
    assert r.status_code == 400 and r.json()["code"] == "component_type_mismatch"
    r = take(client, dossier, "NT01", component=None)  # the store has no identity card of this citizen
    assert r.status_code == 404 and r.json()["code"] == "national_paper_not_found"
    assert "Kho dữ liệu quốc gia" in r.json()["message"]
    store.papers[(OWNER_ID, "NT01")] = store.papers[(OWNER_ID, "HT01")]
    r = take(client, dossier, "NT01", component=None)  # answers with a birth certificate
    assert r.status_code == 422 and r.json()["code"] == "national_store_wrong_type"
    store.papers[(OWNER_ID, "NT01")] = ({"code": "KDL.000999999", "document_type": "NT01", "filename": "cccd.pdf",
                                         "media_type": "application/pdf", "file": "/files/cccd"}, b"not a scan at all")
    r = take(client, dossier, "NT01", component=None)  # intake refuses what is no scan, as for an upload
    assert r.status_code == 415 and r.json()["code"] == "unsupported_type"
    store.failing = True
    r = take(client, dossier)
    assert r.status_code == 503 and r.json()["code"] == "national_store_unavailable"
    r = take(client, dossier, headers=auth_header(client, "handler2"))  # another office's dossier
    assert r.status_code == 403 and r.json()["code"] == "other_office"
    with client.app.state.services.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Document)) == documents


def test_without_a_store_the_counter_is_told_it_is_not_connected(client) -> None:
    opened = open_dossier(client, procedure="1.000123")
    assert opened["checklist"]["national_store"] is False  # the counter page offers no store button
    dossier = opened["code"]
    assert client.get(f"/api/v1/dossiers/{dossier}/checklist").json()["national_store"] is False
    r = take(client, dossier)
    assert r.status_code == 409 and r.json()["code"] == "national_store_disabled"
    assert "Chưa kết nối Kho dữ liệu quốc gia" in r.json()["message"]
