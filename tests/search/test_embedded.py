"""What only the embedded engine does: URL routing, query planning, locking across processes."""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap
import threading
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import tantivy

import search
import search.embedded as embedded
from search import OutdatedIndex, SearchQuery, open_index
from search.embedded import IndexLockTimeout, TantivyIndex

from .conftest import make_doc

ROOT = Path(__file__).resolve().parents[2]


def test_open_index_picks_the_backend_by_url(tmp_path, monkeypatch):
    default = open_index("", default_dir=tmp_path / "default")
    assert isinstance(default, TantivyIndex) and default.path == tmp_path / "default"
    assert open_index(f"file://{tmp_path}/f", default_dir=tmp_path).path == tmp_path / "f"
    assert open_index(str(tmp_path / "plain"), default_dir=tmp_path).path == tmp_path / "plain"

    opened = []

    class FakeElastic:
        def __init__(self, url, name, rebuild=False):
            opened.append((url, name))

    import search.elastic

    monkeypatch.setattr(search.elastic, "ElasticIndex", FakeElastic)
    open_index("http://es:9200", default_dir=tmp_path)
    open_index("https://user:pw@es.example:9243/archive-docs/", default_dir=tmp_path)
    assert opened == [("http://es:9200", search.DEFAULT_ES_INDEX), ("https://user:pw@es.example:9243", "archive-docs")]
    with pytest.raises(ValueError):
        open_index("ftp://x/y", default_dir=tmp_path)


def test_an_index_from_another_schema_version_is_refused_until_rebuilt(tmp_path):
    old = TantivyIndex(tmp_path / "ix")
    old.upsert([make_doc(1, "giấy ra viện")])
    old.close()
    (tmp_path / "ix" / "sohoa-index.json").write_text('{"schema_version": 1}')  # before the office field
    with pytest.raises(OutdatedIndex, match="sohoa reindex"):
        open_index(str(tmp_path / "ix"), default_dir=tmp_path)
    rebuilt = open_index(str(tmp_path / "ix"), default_dir=tmp_path, rebuild=True)
    assert rebuilt.count() == 0  # emptied, for the reindex to fill
    rebuilt.upsert([make_doc(2, "giấy ra viện", office="PT02")])
    assert [h.office for h in rebuilt.search(SearchQuery(offices=("PT02",))).hits] == ["PT02"]
    rebuilt.close()
    again = open_index(str(tmp_path / "ix"), default_dir=tmp_path, rebuild=True)  # current: kept as it is
    assert again.count() == 1


def test_common_phrases_match_by_word_pairs_without_position_checks(tmp_path, monkeypatch):
    ix = TantivyIndex(tmp_path / "ix")
    ix.upsert(
        [
            make_doc(1, "nộp sổ bảo hiểm xã hội"),
            make_doc(2, "bảo hiểm; xã hội"),  # punctuation does not break a phrase, as in tantivy
            make_doc(3, "bảo hiểm y tế, hội xã"),
        ]
    )
    exact = [h.id for h in ix.search(SearchQuery(text='"bảo hiểm xã hội"')).hits]
    monkeypatch.setattr(embedded, "POSITION_CHECK_MAX_DOCS", 0)  # every pair counts as common now
    by_pairs = [h.id for h in ix.search(SearchQuery(text='"bảo hiểm xã hội"')).hits]
    assert sorted(exact) == sorted(by_pairs) == sorted([make_doc(1).id, make_doc(2).id])


def plan_parts(ix: TantivyIndex, text: str) -> embedded._Parts | None:
    searcher, _ = ix._searcher()
    parts = embedded._Parts()
    planner = embedded._Planner(ix._schema, searcher, ix._fold, ix._pairs)
    ok = all(planner._clause(c, parts) for c in search.text.parse(text))
    return parts if ok else None


def test_planner_uses_pairs_and_positions_only_when_cheap(tmp_path, monkeypatch):
    ix = TantivyIndex(tmp_path / "ix")
    ix.upsert([make_doc(1, "một hai ba bốn"), make_doc(2, "hai ba một hai")])
    parts = plan_parts(ix, '"một hai ba"')
    assert len(parts.ranked) == 3 and parts.words == ["mot", "hai", "ba"]  # two pairs + position check
    assert len(parts.boosts) == 1  # only "một" was typed with diacritics: it boosts the exact field
    monkeypatch.setattr(embedded, "POSITION_CHECK_MAX_DOCS", 0)
    assert len(plan_parts(ix, '"một hai ba"').ranked) == 2
    assert plan_parts(ix, '"ba bốn một"') is None  # a pair no document has
    assert plan_parts(ix, "hai zzz") is None
    assert ix.search(SearchQuery(text='"ba bốn một"')).total == 0


def test_common_words_filter_without_ranking(tmp_path, monkeypatch):
    ix = TantivyIndex(tmp_path / "ix")
    ix.upsert([make_doc(n, "cộng hòa xã hội" + " hiếm" * (n == 3)) for n in range(1, 5)])
    monkeypatch.setattr(embedded, "COMMON_MIN_DOCS", 1)
    parts = plan_parts(ix, "xã hội hiếm")
    assert len(parts.filters) == 2 and len(parts.ranked) == 1 and len(parts.boosts) == 1
    assert [h.id for h in ix.search(SearchQuery(text="xã hội hiếm")).hits] == [make_doc(3).id]
    common = plan_parts(ix, '"xã hội"')
    assert len(common.filters) == 1 and not common.ranked and not common.boosts
    assert ix.search(SearchQuery(text='"xã hội"')).total == 4


def test_other_instances_see_commits_at_once(tmp_path):
    a, b = TantivyIndex(tmp_path / "ix"), TantivyIndex(tmp_path / "ix")
    assert b.count() == 0
    a.upsert([make_doc(1, "tờ khai")])
    assert b.count() == 1 and b.search(SearchQuery(text="tờ khai")).total == 1
    b.delete([make_doc(1).id])
    assert a.count() == 0


def test_writer_lock_is_waited_for_then_times_out(tmp_path):
    ix = TantivyIndex(tmp_path / "ix", lock_timeout=0.3)
    holder = tantivy.Index.open(str(tmp_path / "ix")).writer(heap_size=15_000_000, num_threads=1)
    started = time.monotonic()
    with pytest.raises(IndexLockTimeout):
        ix.upsert([make_doc(1, "x")])
    assert time.monotonic() - started >= 0.3

    def release_soon():
        time.sleep(0.3)
        holder.rollback()
        holder.wait_merging_threads()

    ix.lock_timeout = 10
    releaser = threading.Thread(target=release_soon)
    releaser.start()
    ix.upsert([make_doc(1, "x")])  # waits for the other writer, then goes through
    releaser.join()
    assert ix.count() == 1


def test_two_processes_write_the_same_index(tmp_path):
    path = tmp_path / "ix"
    TantivyIndex(path).close()
    child = textwrap.dedent(
        f"""
        import sys
        sys.path[:0] = [{str(ROOT)!r}]
        from search.embedded import TantivyIndex
        from tests.search.conftest import make_doc
        ix = TantivyIndex({str(path)!r})
        for n in range(1000, 1040, 4):
            ix.upsert([make_doc(k, "tiến trình con") for k in range(n, n + 4)])
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", child])
    ix = TantivyIndex(path)
    for n in range(0, 40, 4):
        ix.upsert([make_doc(k, "tiến trình cha") for k in range(n + 1, n + 5)])
    assert proc.wait(timeout=60) == 0
    assert ix.count() == 80
    assert ix.search(SearchQuery(text="tiến trình con")).total == 40


def test_bulk_upsert_over_many_batches(tmp_path, monkeypatch):
    monkeypatch.setattr(embedded, "BATCH_DOCS", 7)
    ix = TantivyIndex(tmp_path / "ix")
    ix.upsert(make_doc(n, "hồ sơ") for n in range(1, 31))
    assert ix.count() == 30
    ix.upsert(make_doc(n, "hồ sơ mới") for n in range(1, 31))
    assert ix.count() == 30 and ix.search(SearchQuery(text="mới")).total == 30


def test_a_replacement_that_fails_midway_keeps_the_old_content(tmp_path, monkeypatch):
    monkeypatch.setattr(embedded, "BATCH_DOCS", 7)  # the bulk writer, over several batches
    ix = TantivyIndex(tmp_path / "ix")
    ix.upsert([make_doc(n, "hồ sơ cũ") for n in range(1, 4)])

    def catalog_read_fails():
        yield from (make_doc(n, "hồ sơ mới") for n in range(10, 30))
        raise OSError("catalog connection lost")

    with pytest.raises(OSError):
        ix.replace_all(catalog_read_fails())
    assert ix.count() == 3 and ix.search(SearchQuery(text="cũ")).total == 3
    assert ix.search(SearchQuery(text="mới")).total == 0
    ix.replace_all(make_doc(n, "hồ sơ mới") for n in range(10, 30))
    assert ix.count() == 20 and ix.search(SearchQuery(text="cũ")).total == 0


def test_facet_counts_are_cached_per_index_state(tmp_path):
    ix = TantivyIndex(tmp_path / "ix")
    ix.upsert([make_doc(n, "hồ sơ", document_type="GKS") for n in range(1, 4)])
    assert ix.search(SearchQuery(text="hồ sơ", limit=1)).facets["document_type"] == {"GKS": 3}
    assert ix.search(SearchQuery(text="hồ sơ", limit=1, offset=1)).facets["document_type"] == {"GKS": 3}
    ix.upsert([make_doc(9, "hồ sơ", document_type="CCCD")])
    assert ix.search(SearchQuery(text="hồ sơ")).facets["document_type"] == {"GKS": 3, "CCCD": 1}


def test_highlights_escape_the_text_and_mark_only_matches(tmp_path):
    ix = TantivyIndex(tmp_path / "ix")
    ix.upsert([make_doc(1, "a <b> Đức </b> & 'c'\n\n  \"d\"")])
    assert ix.search(SearchQuery(text="duc")).hits[0].highlights == [
        "Giấy tờ a &lt;b&gt; <mark>Đức</mark> &lt;/b&gt; &amp; &#x27;c&#x27; &quot;d"  # the fragment ends with a word
    ]


def test_a_page_ranked_only_by_exact_diacritics_comes_from_the_boosted_words(tmp_path, monkeypatch):
    monkeypatch.setattr(embedded, "COMMON_MIN_DOCS", 1)  # "duc" is in every document: it filters
    ix = TantivyIndex(tmp_path / "ix")
    exact = [make_doc(n, "Người nộp: Lê Văn Đức") for n in range(1, 4)]
    ix.upsert(exact + [make_doc(n, "Người nộp: Lê Văn Duc") for n in range(4, 31)])
    searcher, _ = ix._searcher()
    plan = embedded._Planner(ix._schema, searcher, ix._fold, ix._pairs).plan(SearchQuery(text="đức"))
    assert plan.boosted is not None and plan.scored
    page = ix.search(SearchQuery(text="đức", limit=2))
    assert page.total == 30 and {h.id for h in page.hits} <= {d.id for d in exact}
    longer = ix.search(SearchQuery(text="đức", limit=10))  # more than the boosted words have: all of them
    assert longer.total == 30 and {h.id for h in longer.hits[:3]} == {d.id for d in exact}
    assert len(longer.hits) == 10 and longer.hits[3].score < longer.hits[2].score


def test_the_total_counts_matches_of_types_beyond_the_facet_size(tmp_path):
    index = TantivyIndex(tmp_path / "ix")
    types = search.types.FACET_SIZE + 20
    index.upsert([make_doc(n, "tờ khai", document_type=f"T{n % types:04d}") for n in range(2 * types + 7)])
    found = index.search(SearchQuery(text="to khai", limit=1))
    assert found.total == 2 * types + 7
    facets = found.facets["document_type"]
    assert len(facets) == search.types.FACET_SIZE and set(facets.values()) <= {2, 3}


def _answers(index: TantivyIndex, queries: list[SearchQuery]) -> list[tuple]:
    return [(r.total, r.facets, [h.id for h in r.hits]) for r in map(index.search, queries)]


def test_searches_from_many_threads_count_as_one_thread_does(tmp_path, monkeypatch):
    monkeypatch.setattr(embedded, "COUNT_ALONE_MAX_DOCS", 0)  # every count beside its ranking
    ix = TantivyIndex(tmp_path / "ix", cache_size=0)  # and every search counts
    types = ("CCCD", "GKS", "TK1-TS")
    ix.upsert([make_doc(n, f"tờ khai số {n % 7} hưu trí {n % 3}", document_type=types[n % 3]) for n in range(1, 301)])
    queries = [SearchQuery(text=t, sort=s, limit=5) for t in ("tờ khai", "huu tri 2", "so 3", "khai 1 tri")
               for s in ("relevance", "date")] + [SearchQuery(owner="nobody"), SearchQuery(document_type="GKS")]
    alone = _answers(ix, queries)
    assert alone[0][0] == 300 and alone[0][1] == {"document_type": {"CCCD": 100, "GKS": 100, "TK1-TS": 100}}
    assert alone[-2][0] == 0 and alone[-1][0] == 100
    together: list = []
    workers = [threading.Thread(target=lambda: together.append(_answers(ix, queries))) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert together == [alone] * 8


def test_a_forked_child_counts_with_threads_of_its_own(tmp_path):
    # in a fresh interpreter: a child forked from this test process would also inherit the
    # suite's other threads (servers, writers) and the locks they held at the fork
    script = textwrap.dedent(
        f"""
        import multiprocessing, sys
        sys.path[:0] = [{str(ROOT)!r}]
        import search.embedded as embedded
        from search import SearchQuery
        from search.embedded import TantivyIndex
        from tests.search.conftest import make_doc
        embedded.COUNT_ALONE_MAX_DOCS = 0  # every count in a counting thread
        ix = TantivyIndex({str(tmp_path / "ix")!r})
        ix.upsert([make_doc(n, "hồ sơ hưu trí") for n in range(1, 21)])
        assert ix.search(SearchQuery(text="hưu trí")).total == 20  # the parent's counting threads exist
        context = multiprocessing.get_context("fork")  # Linux's default start method
        results = context.Queue()
        child = context.Process(target=lambda: results.put(ix.search(SearchQuery(text="hồ sơ")).total))
        child.start()
        child.join(30)
        if child.is_alive():
            child.kill()
            sys.exit("the child waited for counting threads it does not have")
        print(results.get(timeout=5))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.split() == ["20"], done.stderr


def test_a_word_only_deleted_documents_had_finds_nothing(tmp_path):
    ix = TantivyIndex(tmp_path / "ix")
    ix.upsert([make_doc(1, "hưu trí"), make_doc(2, "thai sản")])
    ix.delete([make_doc(1).id])  # its terms stay in the segment until a merge
    for sort in ("relevance", "date"):
        found = ix.search(SearchQuery(text="hưu trí", sort=sort))
        assert (found.total, found.hits, found.facets) == (0, [], {"document_type": {}})


def _sampled(monkeypatch, above: int, min_sampled: int) -> None:
    monkeypatch.setattr(embedded, "ESTIMATE_ABOVE_DOCS", above)
    monkeypatch.setattr(embedded, "ESTIMATE_MIN_SAMPLED", min_sampled)


def test_a_big_result_set_is_counted_over_a_sample_unless_exact_counts_are_asked(tmp_path, monkeypatch):
    _sampled(monkeypatch, above=2_500, min_sampled=40)
    ix = TantivyIndex(tmp_path / "ix")
    types = ("CCCD", "GKS", "GKS")  # a third and two thirds
    ix.upsert([make_doc(n, f"tờ khai hưu trí {n % 2}", document_type=types[n % 3]) for n in range(6_000)])
    estimated = ix.search(SearchQuery(text="to khai", limit=3))
    assert not estimated.total_exact and len(estimated.hits) == 3
    assert estimated.total == pytest.approx(6_000, rel=0.15) and estimated.total % 100 == 0  # two digits
    facets = estimated.facets["document_type"]
    assert facets.keys() == {"CCCD", "GKS"} and facets["GKS"] == pytest.approx(4_000, rel=0.2)
    exact = ix.search(SearchQuery(text="to khai", limit=3, exact_total=True))  # not the estimate cached above
    assert (exact.total_exact, exact.total) == (True, 6_000)
    assert exact.facets == {"document_type": {"GKS": 4_000, "CCCD": 2_000}}
    assert [h.id for h in exact.hits] == [h.id for h in estimated.hits]
    small = ix.search(SearchQuery(text="to khai", document_type="CCCD", limit=3))  # the type's 2,000: counted
    assert (small.total_exact, small.total) == (True, 2_000)


def test_a_sample_holding_few_matches_falls_back_to_counting_them_all(tmp_path, monkeypatch):
    _sampled(monkeypatch, above=1_000, min_sampled=40)
    ix = TantivyIndex(tmp_path / "ix")
    # two words in half the documents each that meet in 30 of them
    ix.upsert([make_doc(n, "hưu trí" if n % 2 else "thai sản") for n in range(4_000)]
              + [make_doc(n, "hưu trí thai sản") for n in range(4_000, 4_030)])
    found = ix.search(SearchQuery(text="huu thai", limit=3))
    assert (found.total_exact, found.total, len(found.hits)) == (True, 30, 3)


def test_a_first_page_holding_every_match_counts_them_as_the_aggregation_does(tmp_path):
    ix = TantivyIndex(tmp_path / "ix", cache_size=0)
    types = ("CCCD", "GKS", None)
    ix.upsert([make_doc(n, "hồ sơ", document_type=types[n % 3]) for n in range(1, 8)])
    for sort in ("relevance", "date"):
        whole = ix.search(SearchQuery(text="hồ sơ", sort=sort))  # 7 matches on a page of 20
        counted = ix.search(SearchQuery(text="hồ sơ", sort=sort, limit=2))  # counted by an aggregation
        assert len(whole.hits) == 7 and whole.total_exact
        assert (whole.total, whole.facets) == (counted.total, counted.facets)
        assert (whole.total, whole.facets) == (7, {"document_type": {"GKS": 3, "CCCD": 2}})


def test_documents_with_every_typed_diacritic_are_ranked_first_as_the_whole_query_ranks_them(tmp_path, monkeypatch):
    rng = random.Random(5)
    names = [("Phạm", "Pham"), ("Dũng", "Dung"), ("Vũ", "Vu"), ("Đông", "Dong"), ("Thảo", "Thao")]
    docs = []
    for n in range(600):  # the names with their diacritics or without, some said many times
        words = [rng.choice(pair) for pair in names for _ in range(rng.choice((0, 1, 1, 1, 4)))]
        docs.append(make_doc(n, " ".join(words + ["hồ", "sơ"] * rng.randint(1, 30))))
    ix = TantivyIndex(tmp_path / "ix", cache_size=0)
    ix.upsert(docs)
    texts = ("phạm dũng", "vũ đông thảo", "Phạm Dung", "đông hồ sơ")
    queries = [SearchQuery(text=t, limit=limit) for t in texts for limit in (1, 5, 20)]
    whole = [[h.id for h in ix.search(q).hits] for q in queries]
    monkeypatch.setattr(embedded, "EXACT_FIRST_ABOVE_DOCS", 0)
    monkeypatch.setattr(embedded, "EXACT_FIRST_SHARE", 1.0)
    searcher, stamp = ix._searcher()
    plans = [embedded._Planner(ix._schema, searcher, ix._fold, ix._pairs).plan(q) for q in queries]
    assert all(p.exact_first is not None for p in plans)
    assert [[h.id for h in ix.search(q).hits] for q in queries] == whole
    taken = [ix._top(searcher, stamp, p, q.limit) == searcher.search(p.exact_first, q.limit, count=False).hits
             for p, q in zip(plans, queries)]
    assert any(taken) and not all(taken)  # the first look was the page, and was not where a match without it beat it


def test_a_sample_expected_to_hold_too_few_is_not_counted(tmp_path, monkeypatch):
    _sampled(monkeypatch, above=1_000, min_sampled=40)  # a sample holds enough from 1,280 matches on
    ix = TantivyIndex(tmp_path / "ix", cache_size=0)
    start = datetime(2024, 1, 1, 8, tzinfo=timezone.utc)
    ix.upsert([make_doc(n, "tờ khai", created_at=start + timedelta(days=n % 100)) for n in range(6_000)])
    counted: list = []
    count = TantivyIndex._count
    monkeypatch.setattr(TantivyIndex, "_count", staticmethod(lambda *a: counted.append(a) or count(*a)))
    week = ix.search(SearchQuery(text="to khai", date_from=date(2024, 1, 1), date_to=date(2024, 1, 7), limit=1))
    assert (week.total_exact, week.total, len(counted)) == (True, 420, 1)  # 7 % of 6,000 expected: every match
    whole = ix.search(SearchQuery(text="to khai", limit=1))
    assert (whole.total_exact, len(counted)) == (False, 2)  # the sample alone
