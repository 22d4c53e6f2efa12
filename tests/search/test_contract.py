"""What every search backend promises (see search/types.py), run on each backend."""

from __future__ import annotations

import threading
import unicodedata
from datetime import date, datetime, timedelta, timezone

import pytest

from search import InvalidQuery, SearchQuery

from .conftest import OTHER_OWNER, OWNER, make_doc


def ids(results) -> list[str]:
    return [h.id for h in results.hits]


def uid(n: int) -> str:
    return make_doc(n).id


def test_words_match_with_or_without_diacritics(index):
    index.upsert([make_doc(1, "Ông Nguyễn Văn Đức nộp hồ sơ"), make_doc(2, "Bà Trần Thị Lan")])
    for text in ("Nguyễn Văn Đức", "nguyen van duc", "NGUYEN VAN DUC", "nguyễn duc"):
        assert ids(index.search(SearchQuery(text=text))) == [uid(1)], text


def test_d_with_stroke_folds_to_d(index):
    index.upsert([make_doc(1, "Tỉnh Đồng Nai"), make_doc(2, "đường Điện Biên Phủ")])
    assert ids(index.search(SearchQuery(text="dong nai"))) == [uid(1)]
    assert ids(index.search(SearchQuery(text="DIEN BIEN"))) == [uid(2)]
    assert ids(index.search(SearchQuery(text="Đồng"))) == [uid(1)]


def test_exact_diacritics_rank_first(index):
    index.upsert(
        [
            make_doc(1, "Người nộp: Lê Văn Dục"),
            make_doc(2, "Người nộp: Lê Văn Duc"),
            make_doc(3, "Người nộp: Lê Văn Đức"),
        ]
    )
    found = index.search(SearchQuery(text="Đức"))
    assert found.total == 3
    assert found.hits[0].id == uid(3)
    assert index.search(SearchQuery(text="Dục")).hits[0].id == uid(1)
    assert index.search(SearchQuery(text="lê văn đức")).hits[0].id == uid(3)


def test_decomposed_unicode_is_the_same_text(index):
    nfd = unicodedata.normalize("NFD", "Nguyễn Văn Đức")
    index.upsert([make_doc(1, nfd)])
    assert ids(index.search(SearchQuery(text="Nguyễn Văn Đức"))) == [uid(1)]
    assert ids(index.search(SearchQuery(text="nguyen van duc"))) == [uid(1)]
    assert ids(index.search(SearchQuery(text=unicodedata.normalize("NFD", "Đức")))) == [uid(1)]


def test_quoted_phrase_needs_adjacent_words(index):
    index.upsert(
        [
            make_doc(1, "Sổ bảo hiểm xã hội của người lao động"),
            make_doc(2, "bảo hiểm y tế; trật tự xã hội"),
        ]
    )
    assert ids(index.search(SearchQuery(text='"bảo hiểm xã hội"'))) == [uid(1)]
    assert ids(index.search(SearchQuery(text='"bao hiem xa hoi"'))) == [uid(1)]
    assert set(ids(index.search(SearchQuery(text='"xã hội"')))) == {uid(1), uid(2)}
    assert set(ids(index.search(SearchQuery(text="bảo hiểm xã hội")))) == {uid(1), uid(2)}
    assert index.search(SearchQuery(text='"hiểm bảo"')).total == 0


def test_phrase_mixed_with_words(index):
    index.upsert(
        [
            make_doc(1, "Quyết định hưởng lương hưu hằng tháng, ông Phạm Minh Tâm"),
            make_doc(2, "Quyết định hưởng trợ cấp một lần, ông Phạm Minh Tâm"),
        ]
    )
    assert ids(index.search(SearchQuery(text='Tâm "lương hưu"'))) == [uid(1)]
    assert ids(index.search(SearchQuery(text='"quyết định hưởng lương"'))) == [uid(1)]


def test_code_like_words_match_as_written(index):
    index.upsert(
        [
            make_doc(1, "Căn cứ Thông tư số 01/2023/TT-VPCP ngày 05/4/2023"),
            make_doc(2, "Thông tư 2023 số 01 của TT, VPCP"),
        ]
    )
    assert ids(index.search(SearchQuery(text="01/2023/TT-VPCP"))) == [uid(1)]


@pytest.mark.parametrize(
    "text",
    [
        'foo:bar (',
        '"unclosed phrase',
        "AND OR NOT",
        "*",
        "\\",
        "title:[a TO",
        '""',
        "++--!!^~",
        "Đức)",
    ],
)
def test_any_typed_text_is_accepted(index, text):
    index.upsert([make_doc(1, "Ông Nguyễn Văn Đức; mã hồ sơ foo bar")])
    index.search(SearchQuery(text=text))  # never a syntax error


def test_lenient_text_still_finds(index):
    index.upsert([make_doc(1, "Ông Nguyễn Văn Đức; mã hồ sơ foo bar")])
    assert ids(index.search(SearchQuery(text="Đức)"))) == [uid(1)]
    assert ids(index.search(SearchQuery(text='"nguyễn văn'))) == [uid(1)]
    assert ids(index.search(SearchQuery(text="foo:bar ("))) == [uid(1)]


@pytest.mark.parametrize(
    "query",
    [
        SearchQuery(sort="score"),
        SearchQuery(offset=-1),
        SearchQuery(limit=-5),
        SearchQuery(limit=100_000),
        SearchQuery(date_from=date(2024, 2, 1), date_to=date(2024, 1, 1)),
        SearchQuery(text="x" * 5000),
    ],
)
def test_invalid_queries_raise_invalid_query(index, query):
    with pytest.raises(InvalidQuery):
        index.search(query)


@pytest.mark.parametrize(
    "attr, field, match, other",
    [
        ("owner", "owner_ids", [OWNER, "7912345678"], [OTHER_OWNER]),
        ("document_type", "document_type", "GKS", "CCCD"),
        ("procedure", "procedure_codes", ["1.000027", "2.000190"], ["1.000041"]),
        ("dossier", "dossier_codes", ["BHXH-PT-240101-0007"], ["BHXH-PT-240101-0008"]),
        ("status", "status", "ready", "pending"),
    ],
)
def test_each_filter(index, attr, field, match, other):
    index.upsert([make_doc(1, "Tờ khai", **{field: match}), make_doc(2, "Tờ khai", **{field: other})])
    value = match[-1] if isinstance(match, list) else match
    assert ids(index.search(SearchQuery(**{attr: value}))) == [uid(1)]
    assert ids(index.search(SearchQuery(text="tờ khai", **{attr: value}))) == [uid(1)]
    assert index.search(SearchQuery(**{attr: "no-such-value"})).total == 0


def test_office_filter_takes_one_office_or_several(index):
    index.upsert([make_doc(1, "Tờ khai", office="PT01"), make_doc(2, "Tờ khai", office="PT02"),
                  make_doc(3, "Tờ khai", office="PT03"), make_doc(4, "Tờ khai", office=None)])
    assert ids(index.search(SearchQuery(offices=("PT01",)))) == [uid(1)]
    assert set(ids(index.search(SearchQuery(text="to khai", offices=("PT01", "PT02"))))) == {uid(1), uid(2)}
    assert set(ids(index.search(SearchQuery(offices=(" PT03 ", "PT09"))))) == {uid(3)}
    assert index.search(SearchQuery(offices=("PT0",))).total == 0  # codes are exact, never prefixes
    assert index.search(SearchQuery(offices=("pt01",))).total == 0
    assert index.search(SearchQuery(text="tờ khai")).total == 4  # no office named: every office
    found = index.search(SearchQuery(text="tờ khai", offices=("PT02", "PT03"), document_type="CCCD"))
    assert sorted(h.office for h in found.hits) == ["PT02", "PT03"]
    assert found.facets["document_type"] == {"CCCD": 2}
    with pytest.raises(InvalidQuery):
        index.search(SearchQuery(offices=tuple(f"PT{n}" for n in range(101))))


def test_owner_filter_is_exact_and_isolates_owners(index):
    index.upsert(
        [
            make_doc(1, "Giấy khai sinh Nguyễn Văn An", owner_ids=[OWNER]),
            make_doc(2, "Giấy khai sinh Nguyễn Văn An", owner_ids=[OTHER_OWNER]),
            make_doc(3, "Giấy khai sinh", owner_ids=[OWNER + "9"]),
        ]
    )
    for text in ("", "giấy khai sinh", "Nguyễn Văn An", OTHER_OWNER):
        found = index.search(SearchQuery(text=text, owner=OWNER))
        assert all(OWNER in h.owner_ids for h in found.hits), text
        assert uid(2) not in ids(found) and uid(3) not in ids(found)
    assert index.search(SearchQuery(owner=OWNER[:-1])).total == 0
    assert ids(index.search(SearchQuery(owner=f" {OTHER_OWNER} "))) == [uid(2)]


def test_date_range_is_inclusive_by_day(index):
    utc = timezone.utc
    index.upsert(
        [
            make_doc(1, "a", created_at=datetime(2024, 3, 1, 0, 0, tzinfo=utc)),
            make_doc(2, "a", created_at=datetime(2024, 3, 31, 23, 59, 59, tzinfo=utc)),
            make_doc(3, "a", created_at=datetime(2024, 4, 1, 0, 0, tzinfo=utc)),
            make_doc(4, "a", created_at=datetime(2024, 2, 29, 23, 59, 59, tzinfo=utc)),
        ]
    )
    march = SearchQuery(date_from=date(2024, 3, 1), date_to=date(2024, 3, 31))
    assert set(ids(index.search(march))) == {uid(1), uid(2)}
    assert set(ids(index.search(SearchQuery(date_from=date(2024, 4, 1))))) == {uid(3)}
    assert set(ids(index.search(SearchQuery(date_to=date(2024, 2, 29))))) == {uid(4)}
    one_day = SearchQuery(text="a", date_from=date(2024, 3, 31), date_to=date(2024, 3, 31))
    assert ids(index.search(one_day)) == [uid(2)]


def test_sort_by_date_newest_first_and_by_relevance(index):
    utc = timezone.utc
    index.upsert(
        [
            make_doc(1, "hưu trí hưu trí hưu trí", created_at=datetime(2023, 1, 1, tzinfo=utc)),
            make_doc(2, "hưu trí", created_at=datetime(2024, 6, 1, tzinfo=utc)),
            make_doc(3, "hưu trí và nhiều chữ khác nữa ở đây", created_at=datetime(2024, 1, 1, tzinfo=utc)),
        ]
    )
    by_date = index.search(SearchQuery(text="hưu trí", sort="date"))
    assert ids(by_date) == [uid(2), uid(3), uid(1)]
    by_score = index.search(SearchQuery(text="hưu trí"))
    assert by_score.hits[0].id == uid(1)
    assert by_score.hits[0].score >= by_score.hits[1].score >= by_score.hits[2].score
    assert ids(index.search(SearchQuery())) == [uid(2), uid(3), uid(1)]  # no text: newest first


def test_pagination(index):
    utc = timezone.utc
    index.upsert([make_doc(n, "tờ khai", created_at=datetime(2024, 1, n, tzinfo=utc)) for n in range(1, 26)])
    pages = [index.search(SearchQuery(text="to khai", sort="date", offset=o, limit=10)) for o in (0, 10, 20)]
    assert [p.total for p in pages] == [25, 25, 25]
    assert [len(p.hits) for p in pages] == [10, 10, 5]
    seen = [h.id for p in pages for h in p.hits]
    assert seen == [uid(n) for n in range(25, 0, -1)]
    assert index.search(SearchQuery(offset=40, limit=10)).hits == []
    assert index.search(SearchQuery(limit=0)).total == 25


def test_date_pages_are_the_newest_matches_however_they_are_spread_over_time(index):
    utc = timezone.utc
    early = datetime(2020, 1, 1, tzinfo=utc)
    old = [make_doc(n, "hưu trí", created_at=early + timedelta(hours=n)) for n in range(1, 61)]
    new = [make_doc(n, "thai sản", created_at=datetime(2024, 6, 1, tzinfo=utc) + timedelta(hours=n))
           for n in range(61, 301)]
    last = make_doc(301, "hưu trí", created_at=datetime(2024, 12, 1, tzinfo=utc))
    index.upsert([*old, *new, last])
    expected = [uid(301)] + [uid(n) for n in range(60, 0, -1)]
    pages = [index.search(SearchQuery(text="huu tri", sort="date", offset=o, limit=10)) for o in (0, 10, 50)]
    assert [h.id for p in pages for h in p.hits] == expected[:20] + expected[50:60]
    assert {p.total for p in pages} == {61}
    assert ids(index.search(SearchQuery(text="thai san", sort="date", limit=3))) == [uid(300), uid(299), uid(298)]


def test_date_pages_when_the_newest_days_hold_other_documents(index):
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    older = [make_doc(n, "hưu trí", created_at=start + timedelta(hours=2 * n)) for n in range(1, 241)]  # 20 days
    newer = [make_doc(n, "thai sản", created_at=start + timedelta(days=20, hours=n - 240)) for n in range(241, 481)]
    index.upsert([*older, *newer])
    assert ids(index.search(SearchQuery(text="huu tri", sort="date", limit=5))) == [uid(n) for n in range(240, 235, -1)]
    until = index.search(SearchQuery(text="thai san", sort="date", limit=3, date_to=date(2024, 1, 25)))
    assert ids(until) == [uid(n) for n in range(359, 356, -1)]  # 2024-01-25 23:00: 119 hours after day 20 began
    assert until.total == 119


def test_documents_without_a_type_are_counted_but_not_a_facet(index):
    index.upsert([make_doc(1, "tờ khai"), make_doc(2, "tờ khai", document_type=None), make_doc(3, "tờ khai")])
    found = index.search(SearchQuery(text="to khai"))
    assert found.total == 3 and len(found.hits) == 3
    assert found.facets == {"document_type": {"CCCD": 2}}


def test_highlights_mark_matches_and_escape_html(index):
    index.upsert([make_doc(1, "Ông Nguyễn Văn Đức <script>alert(1)</script> & bà Lan")])
    hit = index.search(SearchQuery(text="nguyen van duc")).hits[0]
    assert hit.highlights
    snippet = hit.highlights[0]
    assert "<mark>Nguyễn</mark>" in snippet and "<mark>Đức</mark>" in snippet
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet
    assert "&amp;" in snippet
    assert index.search(SearchQuery(owner=OWNER)).hits[0].highlights == []


def test_hit_fields(index):
    created = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
    index.upsert(
        [make_doc(1, "x", title="Giấy khai sinh", document_type="GKS", owner_ids=[OWNER, "7912345678"],
                  created_at=created, office="PT01"), make_doc(2, "y", office=None)]
    )
    hit = index.search(SearchQuery(text="x")).hits[0]
    assert (hit.id, hit.title, hit.document_type, hit.office) == (uid(1), "Giấy khai sinh", "GKS", "PT01")
    assert index.search(SearchQuery(text="y")).hits[0].office is None
    assert hit.owner_ids == [OWNER, "7912345678"]
    assert hit.created_at == created
    assert "Giấy khai sinh" in [h.title for h in index.search(SearchQuery(text="khai sinh")).hits]


def test_facets_count_the_whole_filtered_set(index):
    docs = [make_doc(n, "hồ sơ hưởng chế độ", document_type="CCCD") for n in range(1, 8)]
    docs += [make_doc(n, "hồ sơ hưởng chế độ", document_type="GKS") for n in range(8, 11)]
    docs += [make_doc(11, "hồ sơ", document_type="GKS"), make_doc(12, "hồ sơ hưởng chế độ", document_type=None)]
    index.upsert(docs)
    found = index.search(SearchQuery(text="chế độ", limit=2))
    assert found.total == 11 and len(found.hits) == 2
    assert found.facets["document_type"] == {"CCCD": 7, "GKS": 3}
    only = index.search(SearchQuery(text="chế độ", document_type="GKS"))
    assert only.total == 3 and only.facets["document_type"] == {"GKS": 3}
    assert found.total_exact and only.total_exact  # sets this small are never estimated
    assert index.search(SearchQuery(text="không có")).facets == {"document_type": {}}


def test_delete_removes(index):
    index.upsert([make_doc(1, "giấy ra viện"), make_doc(2, "giấy ra viện")])
    index.delete([uid(1), "no-such-id"])
    assert ids(index.search(SearchQuery(text="giấy ra viện"))) == [uid(2)]
    assert index.count() == 1
    index.delete([])


def test_upsert_replaces(index):
    index.upsert([make_doc(1, "bản cũ", document_type="CCCD")])
    index.upsert([make_doc(1, "bản mới", document_type="GKS")])
    assert index.count() == 1
    assert index.search(SearchQuery(text="cũ")).total == 0
    found = index.search(SearchQuery(text="mới"))
    assert ids(found) == [uid(1)] and found.facets["document_type"] == {"GKS": 1}
    index.upsert([make_doc(2, "một"), make_doc(2, "hai")])  # the last one wins within a batch too
    assert index.count() == 2
    assert index.search(SearchQuery(text="một")).total == 0
    assert ids(index.search(SearchQuery(text="hai"))) == [uid(2)]


def test_count_and_clear(index):
    assert index.count() == 0
    index.upsert(make_doc(n, "tờ khai") for n in range(1, 6))  # any iterable
    assert index.count() == 5
    index.clear()
    assert index.count() == 0
    assert index.search(SearchQuery(text="tờ khai")).total == 0
    index.upsert([make_doc(9, "sau khi xoá")])
    assert index.count() == 1


def test_replace_all_leaves_exactly_the_given_documents(index):
    index.upsert([make_doc(1, "bản cũ", document_type="CCCD"), make_doc(2, "giữ lại")])
    index.replace_all(make_doc(n, f"bản mới {n}", document_type="GKS") for n in (2, 3))  # any iterable
    assert index.count() == 2
    assert index.search(SearchQuery(text="cũ")).total == 0
    assert index.search(SearchQuery(text="giữ lại")).total == 0
    found = index.search(SearchQuery(text="bản mới"))
    assert sorted(ids(found)) == sorted([uid(2), uid(3)]) and found.facets["document_type"] == {"GKS": 2}
    index.upsert([make_doc(3, "sửa sau")])  # an upsert after it still replaces
    assert index.count() == 2 and ids(index.search(SearchQuery(text="sửa"))) == [uid(3)]
    index.replace_all([])
    assert index.count() == 0


def test_concurrent_writers_and_readers(index):
    errors: list[BaseException] = []

    def write(start: int) -> None:
        try:
            for n in range(start, start + 20, 4):
                index.upsert([make_doc(k, f"luồng {start} tờ khai") for k in range(n, n + 4)])
                index.search(SearchQuery(text="tờ khai"))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(s,)) for s in (1, 101, 201)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert index.count() == 60
    assert index.search(SearchQuery(text="tờ khai", limit=100)).total == 60
