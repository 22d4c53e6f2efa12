"""The mapping and request bodies both servers get (search/dsl.py), checked without a server, and
the Elasticsearch adapter against a recording stand-in (no Elasticsearch server can be assembled
from the package registries; OpenSearch runs the contract suite, tests/search/test_contract.py)."""

from __future__ import annotations

import json
import threading
from datetime import date, datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from search import InvalidQuery, SearchQuery
from search.dsl import document_source, index_settings, results_from_response, search_body

from .conftest import OWNER, make_doc


def test_mapping_folds_diacritics_and_keeps_an_exact_subfield():
    body = index_settings()
    analyzers = body["settings"]["analysis"]["analyzer"]
    content = body["mappings"]["properties"]["content"]
    assert analyzers[content["analyzer"]]["filter"] == ["lowercase", "asciifolding"]
    assert analyzers[content["fields"]["exact"]["analyzer"]]["filter"] == ["lowercase"]
    assert content["index_phrases"] is True
    tokenizer = body["settings"]["analysis"]["tokenizer"][analyzers["sohoa_folded"]["tokenizer"]]
    assert tokenizer == {"type": "pattern", "pattern": "[^\\p{L}\\p{N}]+"}


def test_mapping_filters_are_exact_keywords():
    props = index_settings()["mappings"]["properties"]
    for field in ("id", "owner_ids", "document_type", "procedure_codes", "dossier_codes", "status"):
        assert props[field]["type"] == "keyword", field
    assert props["created_at"]["type"] == "date"
    assert index_settings()["mappings"]["dynamic"] == "strict"


def test_document_source_has_every_mapped_field():
    doc = make_doc(1, "Ông Nguyễn Văn Đức", owner_ids=[f" {OWNER} ", ""], owner_name="Nguyễn Văn Đức")
    src = document_source(doc)
    assert set(src) == set(index_settings()["mappings"]["properties"])
    assert src["owner_ids"] == [OWNER]
    assert src["content"].startswith("Giấy tờ\nNguyễn Văn Đức\n")
    assert src["created_at"] == "2024-01-01T08:00:00+00:00"
    with pytest.raises(ValueError):
        document_source(make_doc(2, created_at=datetime(2024, 1, 1)))


def test_words_are_required_and_diacritics_boost_the_exact_subfield():
    body = search_body(SearchQuery(text="Nguyễn van"))
    assert body["query"]["bool"]["must"] == [
        {"match": {"content": {"query": "nguyễn", "operator": "and"}}},
        {"match": {"content": {"query": "van", "operator": "and"}}},
    ]
    assert body["query"]["bool"]["should"] == [{"term": {"content.exact": {"value": "nguyễn", "boost": 1.0}}}]


def test_quotes_and_code_like_chunks_make_phrases():
    must = search_body(SearchQuery(text='"bảo hiểm xã hội" 01/2023/TT-VPCP "unclosed'))["query"]["bool"]["must"]
    assert must == [
        {"match_phrase": {"content": "bảo hiểm xã hội"}},
        {"match_phrase": {"content": "01 2023 tt vpcp"}},
        {"match": {"content": {"query": "unclosed", "operator": "and"}}},
    ]


def test_filters_and_inclusive_date_range():
    q = SearchQuery(
        owner=OWNER,
        document_type="GKS",
        procedure="1.000027",
        dossier="BHXH-PT-240101-0001",
        status="ready",
        date_from=date(2024, 3, 1),
        date_to=date(2024, 3, 31),
    )
    body = search_body(q)
    assert body["query"]["bool"]["filter"] == [
        {"term": {"owner_ids": OWNER}},
        {"term": {"document_type": "GKS"}},
        {"term": {"procedure_codes": "1.000027"}},
        {"term": {"dossier_codes": "BHXH-PT-240101-0001"}},
        {"term": {"status": "ready"}},
        {"range": {"created_at": {"gte": "2024-03-01T00:00:00+00:00", "lt": "2024-04-01T00:00:00+00:00"}}},
    ]
    assert "must" not in body["query"]["bool"] and "highlight" not in body
    assert body["sort"][0] == {"created_at": "desc"}


def test_sort_paging_totals_facets_and_highlight_format():
    body = search_body(SearchQuery(text="đức", offset=40, limit=20))
    assert body["from"] == 40 and body["size"] == 20
    assert body["sort"] == ["_score", {"created_at": "desc"}]
    assert body["track_total_hits"] is True
    assert body["aggs"]["document_type"]["terms"]["field"] == "document_type"
    assert body["highlight"]["pre_tags"] == ["<mark>"] and body["highlight"]["post_tags"] == ["</mark>"]
    assert body["highlight"]["encoder"] == "html"
    assert search_body(SearchQuery(text="đức", sort="date"))["sort"][0] == {"created_at": "desc"}
    assert search_body(SearchQuery())["query"] == {"match_all": {}}


def test_invalid_queries_are_refused_before_sending():
    with pytest.raises(InvalidQuery):
        search_body(SearchQuery(sort="newest"))
    with pytest.raises(InvalidQuery):
        search_body(SearchQuery(date_from=date(2024, 2, 1), date_to=date(2024, 1, 1)))


def test_results_from_response():
    resp = {
        "took": 7,
        "hits": {
            "total": {"value": 42, "relation": "eq"},
            "hits": [
                {
                    "_score": 3.5,
                    "_source": {
                        "id": "d1",
                        "title": "Giấy khai sinh",
                        "document_type": "GKS",
                        "owner_ids": [OWNER],
                        "created_at": "2024-05-06T07:08:09+00:00",
                    },
                    "highlight": {"content": ["Ông <mark>Đức</mark>\n &lt;b&gt;"]},
                },
                {
                    "_score": None,
                    "_source": {"id": "d2", "title": "x", "owner_ids": [], "created_at": "2024-05-06T07:08:09Z"},
                },
            ],
        },
        "aggregations": {"document_type": {"buckets": [{"key": "GKS", "doc_count": 40}, {"key": "CCCD", "doc_count": 2}]}},
    }
    res = results_from_response(resp)
    assert res.total == 42 and res.took_ms == 7.0
    assert res.facets == {"document_type": {"GKS": 40, "CCCD": 2}}
    first, second = res.hits
    assert (first.id, first.score, first.document_type) == ("d1", 3.5, "GKS")
    assert first.created_at == datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
    assert first.highlights == ["Ông <mark>Đức</mark> &lt;b&gt;"]
    assert (second.score, second.document_type, second.highlights) == (0.0, None, [])
    assert second.created_at.tzinfo is not None


class _StandIn(BaseHTTPRequestHandler):
    """Answers like an empty Elasticsearch and records every request."""

    requests: list[tuple[str, str, str]] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.requests.append((self.command, self.path, self.rfile.read(length).decode() if length else ""))
        if self.command == "HEAD":
            code, body = 404, b""
        elif "_search" in self.path:
            empty = {"took": 1, "hits": {"total": {"value": 0}, "hits": []}, "aggregations": {}}
            code, body = 200, json.dumps(empty).encode()
        else:
            code, body = 200, json.dumps({"acknowledged": True, "errors": False, "items": [], "count": 0}).encode()
        self.send_response(code)
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def stand_in():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StandIn)
    _StandIn.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", _StandIn.requests
    server.shutdown()


def test_elastic_index_sends_the_built_requests(stand_in):
    from search.elastic import ElasticIndex

    url, requests = stand_in
    ix = ElasticIndex(url, "docs")
    ix.upsert([make_doc(1, "Đức")])
    assert ix.search(SearchQuery(text="Đức")).total == 0
    ix.delete([make_doc(1).id])
    ix.clear()
    ix.close()
    calls = [(method, path.split("?")[0]) for method, path, _ in requests]
    assert calls[:2] == [("HEAD", "/docs"), ("PUT", "/docs")]
    assert json.loads(requests[1][2]) == index_settings()
    bulk = [r for r in requests if r[1].startswith("/_bulk")]
    assert len(bulk) == 2 and all("refresh=wait_for" in r[1] for r in bulk)
    action, source = bulk[0][2].splitlines()
    assert json.loads(action) == {"index": {"_id": make_doc(1).id, "_index": "docs"}}
    assert json.loads(source) == document_source(make_doc(1, "Đức"))
    search = next(r for r in requests if r[1].startswith("/docs/_search"))
    assert json.loads(search[2]) == search_body(SearchQuery(text="Đức"))
    assert any(path.startswith("/docs/_delete_by_query") and "refresh=true" in path for _, path, _ in requests)
