"""The handlers' search, item by item of the issue, through GET /api/v1/search."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from tests.archive import OTHER_OWNER, paper
from tests.conftest import OWNER_ID

URL = "/api/v1/search"


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=9, tzinfo=timezone.utc)


@pytest.fixture
def papers(client, archive) -> dict[str, str]:
    mine = archive.dossier(resolved=None)
    other = archive.dossier(owner=OTHER_OWNER, resolved=None)
    return {
        "dossier": mine,
        "birth": paper(archive, mine, "HT01", created_at=at("2023-01-10"),
                       text="GIẤY KHAI SINH. Họ tên: Nguyễn Văn Đức. Nơi sinh: Bệnh viện Sản Nhi tỉnh Phú Thọ"),
        "book": paper(archive, mine, "BH02", created_at=at("2024-05-05"), document_number="7903001234",
                      classification={"confirmed": {"code": "BH02", "name": "Sổ bảo hiểm xã hội"}},
                      text="Cơ quan bảo hiểm xã hội tỉnh Phú Thọ xác nhận quá trình đóng"),
        "list": paper(archive, mine, "KQ05", created_at=at("2024-08-20"),
                      text="Danh sách hội viên; xã Tiên Kiên; bảo hiểm tự nguyện"),
        "school": paper(archive, mine, "YT01", created_at=at("2025-02-01"),
                        text="Giấy ra viện. Chức vụ: lãnh đạo trường mầm non"),
        "theirs": paper(archive, other, "HT01", created_at=at("2024-03-03"),
                        text="GIẤY KHAI SINH. Họ tên: Trần Thị Đào. Nơi sinh: Trạm y tế xã Tiên Kiên"),
    }


def search(client, **params) -> dict:
    r = client.get(URL, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def ids(body: dict) -> list[str]:
    return [h["id"] for h in body["hits"]]


def test_text_with_or_without_diacritics_phrases_and_metadata(client, papers):
    assert ids(search(client, q="san nhi")) == ids(search(client, q="Sản Nhi")) == [papers["birth"]]
    assert ids(search(client, q="Trần Thị Đào")) == ids(search(client, q="tran thi dao")) == [papers["theirs"]]
    # đ folds to d, and the paper carrying the typed diacritics ranks first
    assert ids(search(client, q="Đào")) == [papers["theirs"], papers["school"]]
    assert ids(search(client, q="đạo")) == [papers["school"], papers["theirs"]]
    # a phrase needs its words in order; the same words loose match more
    assert ids(search(client, q='"bảo hiểm xã hội"')) == [papers["book"]]
    assert set(ids(search(client, q="bảo hiểm xã hội"))) == {papers["book"], papers["list"]}
    # metadata: type name, number and digitization code are searchable, not only the OCR text
    assert ids(search(client, q="so bao hiem")) == [papers["book"]]
    assert ids(search(client, q="7903001234")) == [papers["book"]]
    code = client.get(f"/api/v1/documents/{papers['book']}").json()["record"]["digitization_code"]
    assert ids(search(client, q=code))[:1] == [papers["book"]]
    hit = search(client, q="benh vien san nhi")["hits"][0]
    assert any("<mark>" in h for h in hit["highlights"])


def test_filters_sort_paging_and_facets(client, papers):
    mine = {papers[k] for k in ("birth", "book", "list", "school")}
    assert set(ids(search(client, owner=OWNER_ID))) == mine
    assert search(client, owner=OWNER_ID[:-1])["total"] == 0  # IDs are exact, never fuzzy
    assert search(client, owner=OWNER_ID[:-1] + "8")["total"] == 0
    assert set(ids(search(client, document_type="HT01"))) == {papers["birth"], papers["theirs"]}
    assert set(ids(search(client, dossier=papers["dossier"]))) == mine
    assert set(ids(search(client, procedure="1.000456"))) == mine | {papers["theirs"]}
    assert set(ids(search(client, date_from="2024-01-01", date_to="2024-12-31"))) == {
        papers["book"], papers["list"], papers["theirs"]}
    assert search(client, status="ready")["total"] == 5 and search(client, status="pending")["total"] == 0
    assert client.get(URL, params={"date_from": "2025-01-01", "date_to": "2024-01-01"}).status_code == 400

    newest = [papers["school"], papers["list"], papers["book"], papers["birth"]]
    assert ids(search(client, owner=OWNER_ID, sort="date")) == newest
    pages = [search(client, owner=OWNER_ID, sort="date", limit=2, offset=o) for o in (0, 2)]
    assert [ids(p) for p in pages] == [newest[:2], newest[2:]] and {p["total"] for p in pages} == {4}
    assert search(client, q='"giấy khai sinh"')["facets"] == {"document_type": {"HT01": 2}}
    # a set this small is always counted exactly; exact_total asks for that of a big one too
    assert search(client, q="giấy")["total_exact"] is True
    assert search(client, q="giấy", exact_total="true")["total"] == search(client, q="giấy")["total"] == 3
    bad = client.get(URL, params={"q": "giấy", "exact_total": "maybe"})
    assert bad.status_code in (400, 422) and "exact_total" in bad.text
    assert search(client, owner=OWNER_ID)["facets"]["document_type"] == {"HT01": 1, "BH02": 1, "KQ05": 1, "YT01": 1}
