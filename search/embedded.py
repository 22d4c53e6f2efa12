"""The embedded search engine: a tantivy index in a local directory.

Fields (see `_schema`):
  body    the searchable content (title, owner name, OCR text), lowercased and
          ASCII-folded (đ → d), with positions; stored, for highlights
  exact   the content's words that carry diacritics, lowercased only, each once, no frequencies:
          a boost for documents whose words carry the diacritics the user typed
  pairs   each pair of consecutive folded words as one token ("xa_hoi"), no
          positions: a phrase of common words becomes a few term look-ups
          instead of a position check in nearly every document
  (exact and pairs are made from the content's plain words, search/pairs.py)
  id, owner, document_type, procedure, dossier, status, office: exact, untokenized
  created_at: date, indexed and fast (range filter, sort)
  day: created_at's day (days since 1970, UTC), indexed only: a date-sorted page is looked for
          among the newest days' postings first (see TantivyIndex._newest)
  sample: one of SAMPLE_BUCKETS buckets by a hash of the id, indexed only: a big result set is
          counted over bucket 0's documents (see TantivyIndex._tally)

Query planning (see `_Planner`) is where the speed at a million documents comes
from; bench/search_scale.py measures it against a naive index. The total and the facets of a
big result set are counted in a thread beside the ranking (`TantivyIndex.search`), over a sample
unless the query asks for exact counts.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import threading
import time
import zlib
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as dtime
from datetime import timedelta, timezone
from itertools import chain, islice
from pathlib import Path

import tantivy

from search import highlight as highlightmod
from search import pairs as pairsmod
from search import text as textmod
from search.types import (
    EXACT_BOOST,
    FACET_SIZE,
    SNIPPET_CHARS,
    IndexedDocument,
    OutdatedIndex,
    SearchHit,
    SearchQuery,
    SearchResults,
)

SCHEMA_VERSION = 5  # 3: each document's office; 4: exact words once, lowercased by Python; the day field; 5: sample
FOLD = "sohoa_fold"
DIACRITIC = "sohoa_diacritic"
PAIRS = "sohoa_pairs"
MAX_TOKEN_CHARS = pairsmod.MAX_TOKEN_CHARS
# A phrase of 3+ words whose rarest word pair is in more documents than this is
# matched as "every consecutive pair present" (no position check): checking
# positions in hundreds of thousands of documents is what made phrases slow.
POSITION_CHECK_MAX_DOCS = 20_000
# Words (and word pairs) in more than this share of the documents filter but do not
# rank, once the index is big enough for that to matter.
COMMON_FRACTION = 0.25
COMMON_MIN_DOCS = 10_000
# A page sorted by date is looked for first among the newest days that should hold this many times
# the page, searching at most this many days' postings (see TantivyIndex._newest).
NEWEST_MARGIN = 4
MAX_DAY_TERMS = 64
# Words ranked over more possible matches than this, with diacritics typed that EXACT_FIRST_SHARE of
# them or fewer carry, are ranked first among the documents with every exact-diacritics word
# (`_Plan.exact_first`): at a million documents two common names cost 5-11 ms ranked over every
# match, 1-4 ms so. Over fewer matches, or boosted words nearly as common, the first look costs
# more than it saves.
EXACT_FIRST_ABOVE_DOCS = 100_000
EXACT_FIRST_SHARE = 0.25
# Matches counted in the searching thread: for fewer, a thread of its own costs more than it saves.
COUNT_ALONE_MAX_DOCS = 10_000
# A result set that may hold more than ESTIMATE_ABOVE_DOCS documents (its rarest required term's count)
# is first counted over the documents of one of SAMPLE_BUCKETS buckets; when that sample holds at least
# ESTIMATE_MIN_SAMPLED matches, its counts scaled up are the answer (relative standard error 3 % or
# less), otherwise every match is counted. Counting every match of two common words (half a million
# documents each at a million) costs 11-15 ms; below ESTIMATE_ABOVE_DOCS (an index of an office's
# first years) the exact count costs 2 ms or less and is always made.
ESTIMATE_ABOVE_DOCS = 100_000
SAMPLE_BUCKETS = 32
ESTIMATE_MIN_SAMPLED = 1_000
# The document_type bucket of documents without one (no type code has a NUL).
NO_TYPE = "\x00"
LOCK_TIMEOUT_S = 60.0
BATCH_DOCS = 5_000
# The writer's memory for a bulk write (sohoa reindex). Measured at a million pages (bench/search_scale.py,
# replace_all): 2 GB 746 us a page, four segments; 512 MB 692 us, nine segments, queries as fast (mix p95
# 15.0 against 16.9 ms); 256 MB 711 us and slower queries (mix p95 19.0 ms): a smaller term table stays
# in the caches, until the segments multiply.
BULK_HEAP = 512_000_000


class IndexLockTimeout(RuntimeError):
    """Another process held the index writer lock for longer than the timeout."""


def _analyzer() -> tantivy.TextAnalyzer:
    """The body's: simple tokenizer, lowercased, ASCII-folded (đ → d)."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(MAX_TOKEN_CHARS))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )


def _schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    sb.add_text_field("body", stored=True, tokenizer_name=FOLD)
    sb.add_text_field("exact", tokenizer_name=DIACRITIC, index_option="basic")
    sb.add_text_field("pairs", tokenizer_name=PAIRS, index_option="freq")
    sb.add_text_field("title", stored=True, tokenizer_name="raw")
    sb.add_text_field("owner", stored=True, tokenizer_name="raw")
    sb.add_text_field("document_type", stored=True, tokenizer_name="raw", fast=True)
    sb.add_text_field("procedure", tokenizer_name="raw")
    sb.add_text_field("dossier", tokenizer_name="raw")
    sb.add_text_field("status", tokenizer_name="raw")
    sb.add_text_field("office", stored=True, tokenizer_name="raw")
    sb.add_date_field("created_at", stored=True, indexed=True, fast=True)
    sb.add_integer_field("day", indexed=True)
    sb.add_integer_field("sample", indexed=True)
    return sb.build()


def _content(doc: IndexedDocument) -> str:
    head = [doc.title]
    if doc.owner_name:
        head.append(doc.owner_name)
    return textmod.nfc("\n".join([*head, doc.text]))


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("created_at must be timezone-aware (UTC)")
    return value.astimezone(timezone.utc)


def _day(moment: datetime) -> int:
    return int(moment.timestamp() // 86_400)


def _bucket(doc_id: str) -> int:
    """The document's sample bucket: the same in every process (Python's str hash is salted)."""
    return zlib.crc32(doc_id.encode()) % SAMPLE_BUCKETS


def _approx(n: float) -> int:
    """Two significant digits: what an estimate from a sample can claim."""
    return int(float(f"{n:.2g}"))


def _days_asked(q: SearchQuery, first: int, last: int) -> tuple[int, int]:
    """The days first..last cut to the query's date filter (days since 1970)."""
    return (max(first, _day(_day_start(q.date_from))) if q.date_from else first,
            min(last, _day(_day_start(q.date_to))) if q.date_to else last)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, dtime.min, tzinfo=timezone.utc)


class TantivyIndex:
    """SearchIndex over a tantivy directory; safe for threads and for several processes."""

    def __init__(self, path: Path | str, *, lock_timeout: float = LOCK_TIMEOUT_S, cache_size: int = 256,
                 rebuild: bool = False):
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self._write_lock = threading.Lock()
        self._fold = _analyzer()
        self._pairs = pairsmod.pair_analyzer()
        self._schema = _schema()
        self._index = self._open(rebuild)
        self._counts = _Lru(cache_size)
        self._bests = _Lru(4 * cache_size)  # a ranked part's best score per index state
        self._dates: tuple | None = None  # (index state, oldest and newest created_at)
        self._meta_stamp = self._stamp()

    # ------------------------------------------------------------ opening

    def _open(self, rebuild: bool) -> tantivy.Index:
        self.path.mkdir(parents=True, exist_ok=True)
        marker = self.path / "sohoa-index.json"
        exists = tantivy.Index.exists(str(self.path))
        version = json.loads(marker.read_text()).get("schema_version") if exists and marker.exists() else None
        if exists and version == SCHEMA_VERSION:
            index = tantivy.Index.open(str(self.path))
        else:
            if exists:
                if not rebuild:
                    raise OutdatedIndex(
                        f"search index at {self.path} has schema version {version}, this code needs "
                        f"{SCHEMA_VERSION}: stop the service and run `sohoa reindex` to rebuild it from the catalog"
                    )
                for entry in self.path.iterdir():  # every file of the index is derived from the catalog
                    shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
            index = tantivy.Index(self._schema, path=str(self.path), reuse=False)
            marker.write_text(json.dumps({"schema_version": SCHEMA_VERSION}))
        index.register_tokenizer(FOLD, self._fold)
        index.register_tokenizer(DIACRITIC, pairsmod.diacritic_analyzer())
        index.register_tokenizer(PAIRS, self._pairs)
        return index

    def _stamp(self) -> tuple[int, int]:
        try:
            st = (self.path / "meta.json").stat()
        except FileNotFoundError:
            return (0, 0)
        return (st.st_mtime_ns, st.st_size)

    def _searcher(self) -> tuple[tantivy.Searcher, tuple[int, int]]:
        """The current searcher, reloaded at once when any process committed since the last call."""
        stamp = self._stamp()
        if stamp != self._meta_stamp:
            self._index.reload()
            self._meta_stamp = stamp
        return self._index.searcher(), stamp

    # ------------------------------------------------------------ writing

    def _writer(self, bulk: bool) -> tantivy.IndexWriter:
        """Take the index writer lock, waiting a bounded time for another process to release it."""
        deadline = time.monotonic() + self.lock_timeout
        delay = 0.02
        while True:
            try:
                if bulk:
                    return self._index.writer(heap_size=BULK_HEAP, num_threads=2)
                return self._index.writer(heap_size=64_000_000, num_threads=1)
            except ValueError as exc:
                if "LockBusy" not in str(exc):
                    raise
                if time.monotonic() >= deadline:
                    raise IndexLockTimeout(
                        f"search index {self.path} is locked by another writer for over {self.lock_timeout:.0f}s"
                    ) from exc
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    def _write(self, batches: Iterator[list], apply, *, replace: bool = False) -> None:
        """Run `apply(writer, batch)` over the batches under the writer lock, commit once at the
        end, and make the result visible; with `replace`, everything committed before goes in the
        same commit (searches see the old content until then). One commit: every commit of a bulk
        build started merges that later merges did again (tantivy still writes a segment whenever
        the heap is full)."""
        with self._write_lock:
            first = next(batches, None)
            if first is None and not replace:
                return
            writer = self._writer(bulk=first is not None and len(first) >= BATCH_DOCS)
            try:
                if replace:
                    writer.delete_all_documents()
                if first is not None:
                    for batch in chain([first], batches):
                        apply(writer, batch)
                writer.commit()
            except BaseException:
                writer.rollback()
                raise
            finally:
                writer.wait_merging_threads()  # also releases the lock
            self._index.reload()
            self._meta_stamp = self._stamp()
            self._counts.clear()

    def upsert(self, docs: Iterable[IndexedDocument]) -> None:
        def apply(writer: tantivy.IndexWriter, batch: list[IndexedDocument]) -> None:
            for doc in batch:
                writer.delete_documents_by_term("id", doc.id)
                writer.add_document(self._document(doc))

        self._write(_batches(docs), apply)

    def replace_all(self, docs: Iterable[IndexedDocument]) -> None:
        """No delete per document: each is a term looked up in every segment at the commit (6-13 %
        of a bulk build's CPU at 200,000-50,000 pages)."""
        def apply(writer: tantivy.IndexWriter, batch: list[IndexedDocument]) -> None:
            for doc in batch:
                writer.add_document(self._document(doc))

        self._write(_batches(docs), apply, replace=True)

    def delete(self, ids: Iterable[str]) -> None:
        def apply(writer: tantivy.IndexWriter, batch: list[str]) -> None:
            for doc_id in batch:
                writer.delete_documents_by_term("id", doc_id)

        self._write(_batches(ids), apply)

    def clear(self) -> None:
        self.replace_all(())

    def _document(self, doc: IndexedDocument) -> tantivy.Document:
        content = _content(doc)
        exact, pairs = pairsmod.page_texts(content)
        out = tantivy.Document(
            id=doc.id,
            body=content,
            exact=exact,
            pairs=pairs,
            title=doc.title,
            owner=[o.strip() for o in doc.owner_ids if o and o.strip()],
            procedure=list(doc.procedure_codes),
            dossier=list(doc.dossier_codes),
            status=doc.status,
        )
        if doc.document_type:
            out.add_text("document_type", doc.document_type)
        if doc.office:
            out.add_text("office", doc.office)
        created = _utc(doc.created_at)
        out.add_date("created_at", created)
        out.add_integer("day", _day(created))
        out.add_integer("sample", _bucket(doc.id))
        return out

    # ------------------------------------------------------------ reading

    def count(self) -> int:
        searcher, _ = self._searcher()
        return searcher.num_docs

    def close(self) -> None:
        self._counts.clear()

    def search(self, query: SearchQuery) -> SearchResults:
        started = time.perf_counter()
        query.validate()
        searcher, stamp = self._searcher()
        span = lambda: self._span(searcher, stamp)  # noqa: E731
        plan = _Planner(self._schema, searcher, self._fold, self._pairs, span).plan(query)
        if plan is None:
            return SearchResults(0, [], {"document_type": {}}, _ms(started))
        by_date = query.sort == "date" or not plan.scored
        window = query.offset + query.limit
        key = (stamp, plan.key, query.exact_total)
        counted, counting = self._counts.get(key), None
        # The first page holding every match (an owner's few documents) is its own count.
        on_page = counted is None and query.offset == 0 and plan.most <= window
        if counted is None and not on_page:
            if plan.most <= COUNT_ALONE_MAX_DOCS:
                counted = self._tally(searcher, plan, key, query.exact_total)
            else:
                # A bigger count reads many matches (two common words: most of the index, or a sample
                # of it) and the page needs none of them: it runs beside the ranking, tantivy letting
                # go of the GIL.
                counting = _counting().submit(self._tally, searcher, plan, key, query.exact_total)
        try:
            found = []
            most = counted[0] if counted is not None else plan.most
            if window and most:
                if by_date:
                    found = self._newest(searcher, stamp, query, plan.matching, window, most)
                else:
                    found = self._top(searcher, stamp, plan, window)
            hits = self._hits(searcher, plan, found[query.offset : window], by_date)
        except BaseException:
            if counting is not None:
                counting.cancel()
            raise
        if on_page:
            counted = len(hits), _facets(Counter(h.document_type for h in hits if h.document_type)), True
            self._counts.put(key, counted)
        elif counting is not None:
            counted = counting.result()
        total, facets, exact = counted
        return SearchResults(total, hits, {"document_type": facets}, _ms(started), exact)

    def _tally(self, searcher: tantivy.Searcher, plan: "_Plan", key, exact: bool) -> "_Counted":
        """Total and facets, kept in the count cache under `key`: estimated from the sample bucket's
        matches when the plan may match over ESTIMATE_ABOVE_DOCS documents and the sample holds
        enough of them, counted over every match otherwise. The sample is not counted when the
        plan's independence estimate says it would hold too few (a filter of one type and a date
        range over a common word: the sample and then every match cost more than every match alone)."""
        counted = None
        sample_holds_enough = plan.expected >= SAMPLE_BUCKETS * ESTIMATE_MIN_SAMPLED  # or so one expects
        if not exact and plan.most > ESTIMATE_ABOVE_DOCS and sample_holds_enough:
            sample = _term(self._schema, "sample", 0)
            total, facets = self._count(searcher, tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, plan.matching), (tantivy.Occur.Must, sample)]))
            if total >= ESTIMATE_MIN_SAMPLED:
                # Bucket 0's share of every document ever added (deleted ones alike: a hash spreads them evenly).
                added = sum(searcher.doc_freq("sample", b) for b in range(SAMPLE_BUCKETS))
                scale = added / searcher.doc_freq("sample", 0)
                counted = _approx(total * scale), {k: _approx(n * scale) for k, n in facets.items()}, False
        if counted is None:
            counted = *self._count(searcher, plan.matching), True
        self._counts.put(key, counted)
        return counted

    @staticmethod
    def _count(searcher: tantivy.Searcher, query: tantivy.Query) -> tuple[int, dict[str, int]]:
        """Total and facets in one pass that scores nothing: the total is the sum of the type
        buckets, the ones not returned and the documents without a type."""
        terms = {"field": "document_type", "size": FACET_SIZE + 1, "missing": NO_TYPE}
        agg = searcher.aggregate(query, {"t": {"terms": terms}})["t"]
        buckets = agg["buckets"]
        total = sum(b["doc_count"] for b in buckets) + agg.get("sum_other_doc_count", 0)
        return total, _facets({b["key"]: b["doc_count"] for b in buckets if b["key"] != NO_TYPE})

    def _top(self, searcher: tantivy.Searcher, stamp, plan: "_Plan", window: int) -> list:
        """The best `window` hits by score."""
        if plan.exact_first is not None:
            hits = searcher.search(plan.exact_first, window, count=False).hits
            if len(hits) >= window and hits[-1][0] > self._missing_an_exact_word(searcher, stamp, plan):
                return hits
        if plan.boosted is not None:
            hits = searcher.search(plan.boosted, window, count=False).hits
            if len(hits) >= window:
                return hits
        return searcher.search(plan.query, window, count=False).hits

    def _missing_an_exact_word(self, searcher: tantivy.Searcher, stamp, plan: "_Plan") -> float:
        """More than any match without one of the exact-diacritics words can score: every ranked
        part's best score in the index, and every boost's but the smallest (a part scores a document
        as it scores it alone); each best kept per index state."""
        def best(key, query: tantivy.Query) -> float:
            found = self._bests.get((stamp, key))
            if found is None:
                hits = searcher.search(query, 1, count=False).hits  # tantivy skips blocks that cannot beat it
                found = hits[0][0] if hits else 0.0
                self._bests.put((stamp, key), found)
            return found

        boosts = [EXACT_BOOST * best(key, term) for key, term in plan.exact_parts]
        bound = sum(best(key, part) for key, part in plan.ranked_parts) + sum(boosts) - min(boosts)
        return bound + abs(bound) * 1e-5 + 1e-5  # the two queries add the same scores in other orders

    def _newest(self, searcher: tantivy.Searcher, stamp, q: SearchQuery, query: tantivy.Query, window: int,
                most: int) -> list:
        """The newest `window` hits of the matches, of which there are `most` at most. Sorting every
        match by date costs a column read per match, so the newest days that should hold
        NEWEST_MARGIN times the window (if `most` matches were spread evenly over the days they can
        be on) are searched first, by their day postings, and eight times as many days while those
        hold fewer than `window`. Any newest days that hold `window` matches hold the newest ones."""
        span = self._span(searcher, stamp)
        if span is not None:
            # a day more than the newest's: never short of it, whatever the rounding
            first, last = _days_asked(q, span[0], span[1] + 1)
            days = math.ceil(NEWEST_MARGIN * window * (last - first + 1) / most)
            while days <= min(MAX_DAY_TERMS, last - first):
                recent = tantivy.Query.boolean_query(
                    [(tantivy.Occur.Should, _term(self._schema, "day", d)) for d in range(last - days + 1, last + 1)])
                hits = _by_date(searcher, tantivy.Query.boolean_query(
                    [(tantivy.Occur.Must, query), (tantivy.Occur.Must, recent)]), window)
                if len(hits) >= window:
                    return hits
                days *= 8
        return _by_date(searcher, query, window)

    def _span(self, searcher: tantivy.Searcher, stamp) -> tuple[int, int] | None:
        """The days of the oldest and the newest created_at in the index, per index state."""
        cached = self._dates
        if cached is None or cached[0] != stamp:
            agg = searcher.aggregate(tantivy.Query.all_query(),
                                     {"a": {"min": {"field": "created_at"}}, "b": {"max": {"field": "created_at"}}})
            oldest, newest = agg["a"]["value"], agg["b"]["value"]
            span = None if oldest is None or newest is None else (int(oldest // 86_400e9), int(newest // 86_400e9))
            cached = self._dates = (stamp, span)
        return cached[1]

    def _hits(self, searcher, plan: "_Plan", hits, by_date: bool) -> list[SearchHit]:
        snippets = pattern = None
        if plan.highlight is not None and hits:
            snippets = tantivy.SnippetGenerator.create(searcher, plan.highlight, self._schema, "body")
            snippets.set_max_num_chars(SNIPPET_CHARS)
            pattern = highlightmod.locator(plan.words)
        out = []
        for score, address in hits:
            doc = searcher.doc(address)
            highlights = []
            if snippets is not None:
                snippet = self._snippet(snippets, pattern, doc)
                if snippet.highlighted():
                    highlights.append(_render(snippet))
            out.append(
                SearchHit(
                    id=doc.get_first("id"),
                    score=0.0 if by_date else float(score),
                    title=doc.get_first("title") or "",
                    document_type=doc.get_first("document_type"),
                    owner_ids=doc.get_all("owner"),
                    created_at=doc.get_first("created_at"),
                    highlights=highlights,
                    office=doc.get_first("office"),
                )
            )
        return out

    @staticmethod
    def _snippet(snippets: tantivy.SnippetGenerator, pattern, doc: tantivy.Document) -> tantivy.Snippet:
        """The snippet cut from a window around the first typed word (search/highlight.py), or
        from the whole text when the window has none tantivy agrees with."""
        if pattern is not None:
            part = highlightmod.window(doc.get_first("body") or "", pattern, SNIPPET_CHARS)
            if part is not None:
                snippet = snippets.snippet_from_doc(tantivy.Document(body=part))
                if snippet.highlighted():
                    return snippet
        return snippets.snippet_from_doc(doc)


_pool: tuple[int, ThreadPoolExecutor] | None = None
_pool_lock = threading.Lock()


def _counting() -> ThreadPoolExecutor:
    """The threads that count matches beside the ranking, one a core; made anew in a child forked
    after a search (multiprocessing's fork), which has none of its parent's threads."""
    global _pool
    with _pool_lock:
        if _pool is None or _pool[0] != os.getpid():
            _pool = (os.getpid(), ThreadPoolExecutor(os.cpu_count() or 2, thread_name_prefix="search-count"))
        return _pool[1]


def _facets(counts: dict[str, int]) -> dict[str, int]:
    """The FACET_SIZE biggest type buckets, biggest first (the engines' order)."""
    return dict(islice(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])), FACET_SIZE))


def _term(schema: tantivy.Schema, field: str, value) -> tantivy.Query:
    return tantivy.Query.term_query(schema, field, value)


def _by_date(searcher: tantivy.Searcher, query: tantivy.Query, window: int) -> list:
    return searcher.search(query, window, count=False, order_by_field="created_at", order=tantivy.Order.Desc).hits


def _render(snippet: tantivy.Snippet) -> str:
    """The fragment HTML-escaped by tantivy (as html.escape does: & < > " '), its matches in
    <mark>…</mark>; a "<b>" in the text itself arrives escaped, so only tantivy's tags are renamed."""
    html = snippet.to_html().replace("<b>", "<mark>").replace("</b>", "</mark>")
    return " ".join(html.split())


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _batches(items: Iterable) -> Iterator[list]:
    it = iter(items)
    while batch := list(islice(it, BATCH_DOCS)):
        yield batch


_Counted = tuple[int, dict[str, int], bool]  # total, facets, whether both are exact


class _Lru:
    """The least recently used entries, for threads: the counts per (index state, filtered query),
    with which paging and repeated searches skip the counting pass, and ranked parts' best scores."""

    def __init__(self, size: int):
        self.size = size
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


@dataclass
class _Plan:
    query: tantivy.Query
    matching: tantivy.Query  # the same documents, without the optional boosts: what is counted
    key: tuple  # what the matching set depends on (not paging, not sort)
    scored: bool  # False: nothing ranks, so results come newest first
    highlight: tantivy.Query | None  # folded words, on "body"
    words: list[str]  # the folded words highlighted
    most: int  # no more documents match: the rarest required term's (or the index's) count
    expected: float  # how many match if the required parts were independent: whether a sample will hold enough
    # When only exact-diacritics boosts rank: the query restricted to documents with a boosted
    # word. Every such document outscores every other (score 0), so when it has a full page it
    # is that page, found from the boosted words' few postings instead of scoring every match.
    boosted: tantivy.Query | None = None
    # When words rank over many matches and the boosted words are in few of them (and are not the
    # one boosted word alone): the query restricted to documents with every boosted word, scoring
    # them as the query does. When its page's last score beats what a match without one of them
    # can score (`TantivyIndex._missing_an_exact_word`), it is the query's page.
    exact_first: tantivy.Query | None = None
    ranked_parts: list = field(default_factory=list)  # (key, query) of each ranked part
    exact_parts: list = field(default_factory=list)  # (key, term query) of each boost, unboosted


@dataclass
class _Parts:
    ranked: list = field(default_factory=list)  # (key, query): required and scored
    filters: list = field(default_factory=list)  # required, score 0
    boosts: list = field(default_factory=list)  # (key, term query): optional, each an exact-diacritics boost
    exact_most: float = float("inf")  # the fewest documents of a boosted word
    share: float = 1.0  # of the documents, the matches' expected share (as if required parts were independent)
    words: list = field(default_factory=list)  # folded words to highlight
    most: float = float("inf")  # the fewest documents of a required term


class _Planner:
    """Turns a SearchQuery into one tantivy query, choosing the cheap form of each part.

    - every clause is required (a conjunction: the rarest term leads, others skip ahead);
    - a phrase is its word pairs (term look-ups), plus a position check only when the
      rarest pair is rare enough for that to be cheap;
    - a word or pair found in more than COMMON_FRACTION of the documents filters but
      does not rank, and an exact-diacritics boost on such a word is dropped: ranking
      a term of near-zero idf costs a scored pass over most of the index;
    - a word or pair no document has ends the search before any posting is read.
    """

    def __init__(
        self,
        schema: tantivy.Schema,
        searcher: tantivy.Searcher,
        fold: tantivy.TextAnalyzer,
        pairs: tantivy.TextAnalyzer,
        span=lambda: None,
    ):
        self.schema = schema
        self.searcher = searcher
        self.fold = fold
        self.pairs = pairs
        self.span = span  # () -> the index's first and last day (TantivyIndex._span), asked for a date filter
        self.n = n = searcher.num_docs
        self.common_df = COMMON_FRACTION * n if n >= COMMON_MIN_DOCS else float("inf")

    def term(self, field: str, value) -> tantivy.Query:
        return _term(self.schema, field, value)

    def plan(self, q: SearchQuery) -> _Plan | None:
        clauses = textmod.parse(q.text)
        parts = _Parts()
        for clause in clauses:
            if not self._clause(clause, parts):
                return None  # a word or pair no document has: nothing matches
        if q.text.strip() and not parts.words:
            return None  # text that analysis reduces to nothing ("*", "!!!") matches nothing, not everything
        parts.filters.extend(self._filters(q, parts))
        most = int(min(parts.most, self.n))
        if not most:
            return None  # a filter no document has, or an empty index
        ranked = [part for _, part in parts.ranked]
        # bare term queries at 1.0: tantivy's fast paths (block-max intersection) take nothing else
        boosts = [t if EXACT_BOOST == 1.0 else tantivy.Query.boost_query(t, EXACT_BOOST) for _, t in parts.boosts]
        musts = [(tantivy.Occur.Must, m) for m in ranked + parts.filters]
        if not musts:
            matching = tantivy.Query.all_query()
        elif len(musts) == 1:
            matching = musts[0][1]
        else:
            matching = tantivy.Query.boolean_query(musts)
        query = matching
        if boosts:
            query = tantivy.Query.boolean_query(musts + [(tantivy.Occur.Should, b) for b in boosts])
        highlight = None
        if parts.words:
            highlight = tantivy.Query.boolean_query(
                [(tantivy.Occur.Should, self.term("body", w)) for w in dict.fromkeys(parts.words)]
            )
        key = (tuple(clauses), q.owner, q.document_type, q.procedure, q.dossier, q.status, q.offices, q.date_from,
               q.date_to)
        boosted = None
        if boosts and not ranked:
            any_boost = tantivy.Query.boolean_query([(tantivy.Occur.Should, b) for b in boosts])
            boosted = tantivy.Query.boolean_query([(tantivy.Occur.Must, m) for m in [*parts.filters, any_boost]])
        exact_first = None
        several = len(boosts) + len(ranked) > 1  # one boost alone: `boosted` is that query
        rare_boosts = parts.exact_most <= EXACT_FIRST_SHARE * most
        if boosts and several and most > EXACT_FIRST_ABOVE_DOCS and rare_boosts:
            exact_first = tantivy.Query.boolean_query(musts + [(tantivy.Occur.Must, b) for b in boosts])
        scored = bool(ranked or boosts)
        return _Plan(query, matching, key, scored, highlight, list(dict.fromkeys(parts.words)), most,
                     parts.share * self.n, boosted, exact_first, parts.ranked, parts.boosts)

    def _narrowed(self, parts: _Parts, df: int) -> None:
        """A required part in `df` documents: no more can match, and (as if parts were independent)
        its share of them."""
        parts.most = min(parts.most, df)
        parts.share *= df / self.n if self.n else 0.0

    def _required(self, parts: _Parts, field: str, term: str, df: int) -> None:
        self._narrowed(parts, df)
        query = self.term(field, term)
        if df > self.common_df:
            parts.filters.append(self._filter(query))
        else:
            parts.ranked.append(((field, term), query))

    def _clause(self, clause: textmod.Clause, parts: _Parts) -> bool:
        """Add one word or phrase to `parts`; False if no document can match it."""
        folded = [t for word in clause.words for t in self.fold.analyze(word)]
        if not folded:
            return True
        parts.words.extend(folded)
        for word in dict.fromkeys(clause.words):
            df = self.searcher.doc_freq("exact", word) if textmod.fold(word) != word else 0
            if 0 < df <= self.common_df:
                parts.boosts.append((("exact", word), self.term("exact", word)))
                parts.exact_most = min(parts.exact_most, df)
        if len(folded) == 1:
            df = self.searcher.doc_freq("body", folded[0])
            self._required(parts, "body", folded[0], df)
            return df > 0
        pairs = pairsmod.pairs_of(list(clause.words), self.pairs)  # two or more words: one pair at least
        freqs = [self.searcher.doc_freq("pairs", p) for p in pairs]
        for pair, df in zip(pairs, freqs):
            self._required(parts, "pairs", pair, df)
        if len(folded) > 2 and 0 < min(freqs) <= POSITION_CHECK_MAX_DOCS:
            parts.ranked.append((("phrase", *folded), tantivy.Query.phrase_query(self.schema, "body", folded)))
        return min(freqs) > 0

    @staticmethod
    def _filter(query: tantivy.Query) -> tantivy.Query:
        return tantivy.Query.const_score_query(query, 0.0)  # restricts, never ranks

    def _filters(self, q: SearchQuery, parts: _Parts) -> list[tantivy.Query]:
        out = []
        for name, value in (
            ("owner", q.owner),
            ("document_type", q.document_type),
            ("procedure", q.procedure),
            ("dossier", q.dossier),
            ("status", q.status),
        ):
            if value is not None and (value := value.strip()):
                out.append(self._filter(self.term(name, value)))
                self._narrowed(parts, self.searcher.doc_freq(name, value))
        if offices := sorted({o.strip() for o in q.offices if o.strip()}):
            any_office = tantivy.Query.boolean_query([(tantivy.Occur.Should, self.term("office", o)) for o in offices])
            out.append(self._filter(any_office))
            self._narrowed(parts, sum(self.searcher.doc_freq("office", o) for o in offices))
        if q.date_from or q.date_to:
            days = tantivy.Query.range_query(
                self.schema,
                "created_at",
                tantivy.FieldType.Date,
                _day_start(q.date_from) if q.date_from else tantivy.MIN_DATETIME,
                _day_start(q.date_to + timedelta(days=1)) if q.date_to else tantivy.MAX_DATETIME,
                include_lower=True,
                include_upper=False,
            )
            out.append(self._filter(days))
            if (span := self.span()) is not None:  # its share of the days, as if documents came evenly
                first, last = _days_asked(q, *span)
                parts.share *= max(0, last - first + 1) / (span[1] - span[0] + 1)
        return out
