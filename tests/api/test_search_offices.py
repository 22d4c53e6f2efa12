"""The office filter of GET /api/v1/search: one office or several, checked codes, each hit's office,
cross-office searches audited; GET /api/v1/search/offices feeds the page's select."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from catalog.audit import AuditEntry
from catalog.models import Dossier
from catalog.users import Office, Role, create_user
from tests.archive import Archive, paper
from tests.conftest import PASSWORD

URL = "/api/v1/search"


@pytest.fixture
def papers(archive: Archive) -> dict[str, str]:
    """A paper of a PT01 dossier, one of a PT02 dossier, and one digitized by a PT02 user outside any dossier."""
    here, there = archive.dossier(resolved=None), archive.dossier(resolved=None)
    with archive.services.db.session() as s:
        s.scalars(select(Dossier).where(Dossier.code == there)).one().office_code = "PT02"
    return {"here": paper(archive, here, "HT01", text="Giấy khai sinh ở Việt Trì"),
            "there": paper(archive, there, "HT01", text="Giấy khai sinh ở Phù Ninh"),
            "loose": paper(archive, None, "HT01", text="Giấy khai sinh không thuộc hồ sơ", digitized_by="handler2")}


def found(client, *offices: str, **params) -> dict[str, str | None]:
    r = client.get(URL, params={"q": "giấy khai sinh", "office": list(offices), **params})
    assert r.status_code == 200, r.text
    return {h["id"]: h["office"] for h in r.json()["hits"]}


def last_search(archive: Archive) -> dict:
    with archive.services.db.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "search").order_by(AuditEntry.id.desc())).first()
        return json.loads(entry.details)


def test_one_office_or_several_and_each_hit_names_its_office(client, archive, papers):
    assert found(client, "PT01") == {papers["here"]: "PT01"}
    assert found(client, "PT02") == {papers["there"]: "PT02", papers["loose"]: "PT02"}
    assert found(client, "PT01", "PT02") == found(client) == {
        papers["here"]: "PT01", papers["there"]: "PT02", papers["loose"]: "PT02"}
    assert found(client, "PT02", q="phu ninh") == {papers["there"]: "PT02"}


def test_searching_another_office_is_allowed_and_audited_as_cross_office(client, archive, papers):
    found(client, "PT01")
    assert last_search(archive)["offices"] == ["PT01"] and last_search(archive)["cross_office"] is False
    found(client, "PT02", q="không thuộc hồ sơ")  # the hit is filed under no dossier, but is PT02's
    assert last_search(archive)["offices"] == ["PT02"] and last_search(archive)["cross_office"] is True
    found(client, q="việt trì")
    assert last_search(archive)["cross_office"] is False


@pytest.mark.parametrize("offices, status, code", [
    (["PT09"], 400, "unknown_office"),
    (["PT01", "pt02"], 400, "unknown_office"),  # codes are exact
    (["PT/01"], 400, "invalid_office_code"),
    (["x" * 40], 400, "invalid_office_code"),
    ([f"PT{n}" for n in range(101)], 422, "invalid_request"),
])
def test_bad_office_codes_are_refused_in_vietnamese(client, papers, offices, status, code):
    r = client.get(URL, params={"office": offices})
    assert r.status_code == status, r.text
    assert r.json()["code"] == code
    if code == "unknown_office":
        assert "Không có đơn vị" in r.json()["message"]


def test_the_offices_a_user_may_search(client, as_user):
    services = client.app.state.services
    with services.db.session() as s:
        for code, province in (("PT01", "PT"), ("PT02", "PT"), ("HN01", "HN")):
            (s.get(Office, code) or s.merge(Office(code=code, name=code))).province_code = province
        s.get(Office, "PT01").name = "BHXH thành phố Việt Trì"
        create_user(s, "archivist9", PASSWORD, Role.archivist, "PT01", scope="province")
    mine = client.get(f"{URL}/offices").json()
    assert mine["own"] == "PT01" and mine["scope"] == ["PT01"]
    assert {"code": "PT01", "name": "BHXH thành phố Việt Trì"} in mine["offices"]
    assert [o["code"] for o in mine["offices"]] == ["HN01", "PT01", "PT02"]
    province = client.get(f"{URL}/offices", headers=as_user("archivist9")).json()
    assert province["own"] == "PT01" and province["scope"] == ["PT01", "PT02"]
