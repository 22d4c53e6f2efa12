"""Bad input gets a 4xx with a clear message, never a 500 or a half-written record: ids beyond
64 bits, dates outside what the engines hold, nulls on non-null fields, queries with no word,
office codes with control characters or '/', impossible record dates, NUL characters; and the
data directory is the service's alone."""
from __future__ import annotations

import stat

import pytest

from catalog.models import Document
from tests.conftest import auth_header, open_dossier
from tests.archive import Archive

BIG = str(2**63)


@pytest.mark.parametrize("path", [
    f"/api/v1/admin/holds/{BIG}", f"/api/v1/admin/disposal/batches/{BIG}", f"/api/v1/admin/fixity/runs/{BIG}",
    f"/api/v1/admin/audit?before={BIG}", f"/api/v1/admin/dead-letters?offset={BIG}",
    f"/api/v1/admin/users?offset={BIG}", f"/api/v1/admin/holds?offset={2**64}",
])
def test_integers_beyond_64_bits_are_refused_with_422(client, path):
    r = client.get(path, headers=auth_header(client, "admin1"))
    assert r.status_code == 422 and r.json()["code"] == "invalid_request", r.text


def test_a_huge_result_id_on_hand_over_is_refused(client):
    code = open_dossier(client)["code"]
    r = client.post(f"/api/v1/dossiers/{code}/results/{BIG}/handover")
    assert r.status_code == 422


def test_search_dates_far_out_are_clamped(client, archive: Archive):
    archive.document(archive.dossier(resolved=None))
    r = client.get("/api/v1/search", params={"date_from": "0001-01-01", "date_to": "9999-12-31"})
    assert r.status_code == 200 and r.json()["total"] == 1
    r = client.get("/api/v1/search", params={"date_from": "9999-01-01", "date_to": "0001-12-31"})
    assert r.status_code == 400  # still from after to, as the caller wrote it


@pytest.mark.parametrize("q", ["*", "!!!", "x" * 60])
def test_a_query_with_no_word_left_finds_nothing(client, archive: Archive, q):
    archive.document(archive.dossier(resolved=None))
    assert client.get("/api/v1/search").json()["total"] == 1  # no text at all: everything
    r = client.get("/api/v1/search", params={"q": q})
    assert r.status_code == 200 and r.json()["total"] == 0 and r.json()["hits"] == []


def test_record_fields_that_cannot_be_null_refuse_null(client, archive: Archive):
    document = archive.document(archive.dossier(resolved=None))
    for field in ("permanent", "certified_copy"):
        r = client.patch(f"/api/v1/documents/{document}/record", json={field: None})
        assert r.status_code == 422, r.text
    assert client.patch(f"/api/v1/documents/{document}/record", json={"permanent": False}).status_code == 200


def test_record_dates_must_be_sane(client, archive: Archive):
    document = archive.document(archive.dossier(resolved=None))  # issued 2014-05-02
    url = f"/api/v1/documents/{document}/record"
    r = client.patch(url, json={"valid_until": "2010-01-01"})
    assert r.status_code == 400 and r.json()["code"] == "valid_until_before_issue_date"
    assert client.patch(url, json={"issue_date": "9999-01-01"}).status_code == 422
    with client.app.state.services.db.session() as s:
        kept = s.get(Document, document)
        assert kept.valid_until is None and kept.issue_date.year == 2014  # nothing half-written
    assert client.patch(url, json={"valid_until": "2030-01-01"}).status_code == 200


@pytest.mark.parametrize("code", ["PT\x0101", "PT/01", "../x", "PT 01", ""])
def test_office_codes_are_identifiers(client, code):
    admin = auth_header(client, "admin1")
    r = client.post("/api/v1/admin/users", headers=admin, json={
        "username": "quay9", "password": "mot-mat-khau-dai", "role": "counter", "office_code": code})
    assert r.status_code == 422, r.text
    from catalog.users import Office, ensure_office
    from core.errors import Invalid

    with client.app.state.services.db.session() as s:
        with pytest.raises(Invalid):
            ensure_office(s, code)
        assert s.get(Office, code) is None


def test_nul_characters_are_refused_in_bodies_paths_and_queries(client):
    r = client.post("/api/v1/dossiers", json={"procedure_code": "1.000456",
                                              "owner": {"personal_id": "001203004567", "full_name": "Nguyễn\x00Văn"}})
    assert r.status_code == 422
    assert client.get("/api/v1/dossiers/BHXH%00").status_code == 422
    assert client.get("/api/v1/search", params={"q": "a\x00b"}).status_code == 422
    from catalog.models import Owner

    with client.app.state.services.db.session() as s:
        assert s.query(Owner).count() == 0


def test_the_data_directory_and_its_files_are_the_services_alone(client):
    settings = client.app.state.services.settings
    data_dir = settings.data_dir
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    catalog_file = data_dir / "catalog.sqlite3"
    if catalog_file.exists():  # the embedded default (not the PostgreSQL test catalog)
        assert stat.S_IMODE(catalog_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((data_dir / "secret.key").stat().st_mode) == 0o600
    open_dossier(client)
    for path in data_dir.rglob("*"):
        if path.is_file():
            assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path
