"""What both scale-out engines (Elasticsearch, OpenSearch) are sent: index settings, document
sources and search bodies, and how their answers are read. Pure functions, unit-tested without a
server; the client adapters (search/elastic.py, search/opensearch.py) only send them.

Analysis mirrors the embedded engine: words are runs of letters and digits,
lowercased and ASCII-folded (đ → d) in `content`, lowercased only in
`content.exact` (a boost for the diacritics the user typed); `index_phrases`
keeps two-word shingles so phrases of common words stay cheap.
"""

from __future__ import annotations

from datetime import datetime
from datetime import time as dtime
from datetime import timedelta, timezone
from typing import Any

from search import text as textmod
from search.types import EXACT_BOOST, FACET_SIZE, SNIPPET_CHARS, IndexedDocument, SearchHit, SearchQuery, SearchResults

FILTER_FIELDS = {
    "owner": "owner_ids",
    "document_type": "document_type",
    "procedure": "procedure_codes",
    "dossier": "dossier_codes",
    "status": "status",
}
SOURCE_FIELDS = ["id", "title", "document_type", "owner_ids", "created_at", "office"]
MAPPING_VERSION = 2  # in the mapping's _meta; 2: office (an index without it is version 1)


def mapping_version(mapping: dict[str, Any]) -> int:
    """The version of an existing index's mapping (the `mappings` part of a get-mapping answer)."""
    return int(mapping.get("_meta", {}).get("sohoa_mapping_version", 1))


def index_settings() -> dict[str, Any]:
    """Settings and mappings for a new index."""
    return {
        "settings": {
            "analysis": {
                "tokenizer": {"sohoa_words": {"type": "pattern", "pattern": "[^\\p{L}\\p{N}]+"}},
                "analyzer": {
                    "sohoa_folded": {
                        "type": "custom",
                        "tokenizer": "sohoa_words",
                        "filter": ["lowercase", "asciifolding"],
                    },
                    "sohoa_exact": {"type": "custom", "tokenizer": "sohoa_words", "filter": ["lowercase"]},
                },
            }
        },
        "mappings": {
            "dynamic": "strict",
            "_meta": {"sohoa_mapping_version": MAPPING_VERSION},
            "properties": {
                "id": {"type": "keyword"},
                "content": {
                    "type": "text",
                    "analyzer": "sohoa_folded",
                    "index_phrases": True,
                    "fields": {"exact": {"type": "text", "analyzer": "sohoa_exact", "index_options": "freqs"}},
                },
                "title": {"type": "keyword", "index": False},
                "filename": {"type": "keyword"},
                "owner_ids": {"type": "keyword"},
                "owner_name": {"type": "keyword", "index": False},
                "document_type": {"type": "keyword"},
                "procedure_codes": {"type": "keyword"},
                "dossier_codes": {"type": "keyword"},
                "status": {"type": "keyword"},
                "office": {"type": "keyword"},
                "created_at": {"type": "date"},
            },
        },
    }


def document_source(doc: IndexedDocument) -> dict[str, Any]:
    if doc.created_at.tzinfo is None:
        raise ValueError("created_at must be timezone-aware (UTC)")
    head = [doc.title] + ([doc.owner_name] if doc.owner_name else [])
    return {
        "id": doc.id,
        "content": textmod.nfc("\n".join([*head, doc.text])),
        "title": doc.title,
        "filename": doc.filename,
        "owner_ids": [o.strip() for o in doc.owner_ids if o and o.strip()],
        "owner_name": doc.owner_name,
        "document_type": doc.document_type,
        "procedure_codes": list(doc.procedure_codes),
        "dossier_codes": list(doc.dossier_codes),
        "status": doc.status,
        "office": doc.office,
        "created_at": doc.created_at.astimezone(timezone.utc).isoformat(),
    }


def _clause_query(clause: textmod.Clause) -> tuple[dict, list[dict]]:
    """(required query, optional exact-diacritics boosts) for one word or phrase."""
    if clause.is_phrase:
        required = {"match_phrase": {"content": clause.text}}
    else:
        required = {"match": {"content": {"query": clause.text, "operator": "and"}}}
    boosts = [
        {"term": {"content.exact": {"value": word, "boost": EXACT_BOOST}}}
        for word in dict.fromkeys(clause.words)
        if textmod.fold(word) != word
    ]
    return required, boosts


def search_body(q: SearchQuery) -> dict[str, Any]:
    """The _search request body for `q` (validated first)."""
    q.validate()
    must: list[dict] = []
    should: list[dict] = []
    for clause in textmod.parse(q.text):
        required, boosts = _clause_query(clause)
        must.append(required)
        should.extend(boosts)
    filters: list[dict] = []
    for attr, field in FILTER_FIELDS.items():
        value = getattr(q, attr)
        if value is not None and value.strip():
            filters.append({"term": {field: value.strip()}})
    if offices := sorted({o.strip() for o in q.offices if o.strip()}):
        filters.append({"terms": {"office": offices}})
    if q.date_from or q.date_to:
        bounds: dict[str, str] = {}
        if q.date_from:
            bounds["gte"] = datetime.combine(q.date_from, dtime.min, tzinfo=timezone.utc).isoformat()
        if q.date_to:
            bounds["lt"] = datetime.combine(q.date_to + timedelta(days=1), dtime.min, tzinfo=timezone.utc).isoformat()
        filters.append({"range": {"created_at": bounds}})
    bool_query: dict[str, Any] = {}
    if must:
        bool_query["must"] = must
    if should:
        bool_query["should"] = should
    if filters:
        bool_query["filter"] = filters
    by_date = q.sort == "date" or not must
    body: dict[str, Any] = {
        "query": {"bool": bool_query} if bool_query else {"match_all": {}},
        "from": q.offset,
        "size": q.limit,
        "track_total_hits": True,
        "_source": SOURCE_FIELDS,
        "sort": [{"created_at": "desc"}, "_score"] if by_date else ["_score", {"created_at": "desc"}],
        "aggs": {"document_type": {"terms": {"field": "document_type", "size": FACET_SIZE}}},
    }
    if must:
        body["highlight"] = {
            "encoder": "html",
            "pre_tags": ["<mark>"],
            "post_tags": ["</mark>"],
            "fields": {"content": {"fragment_size": SNIPPET_CHARS, "number_of_fragments": 1}},
        }
    return body


def results_from_response(resp: dict[str, Any], took_ms: float | None = None) -> SearchResults:
    hits = []
    for h in resp["hits"]["hits"]:
        src = h["_source"]
        hits.append(
            SearchHit(
                id=src["id"],
                score=float(h.get("_score") or 0.0),
                title=src.get("title") or "",
                document_type=src.get("document_type"),
                owner_ids=list(src.get("owner_ids") or []),
                created_at=datetime.fromisoformat(src["created_at"].replace("Z", "+00:00")),
                highlights=[" ".join(f.split()) for f in h.get("highlight", {}).get("content", [])],
                office=src.get("office"),
            )
        )
    buckets = resp.get("aggregations", {}).get("document_type", {}).get("buckets", [])
    return SearchResults(
        total=resp["hits"]["total"]["value"],
        hits=hits,
        facets={"document_type": {b["key"]: b["doc_count"] for b in buckets}},
        took_ms=float(resp.get("took", 0)) if took_ms is None else took_ms,
        total_exact=resp["hits"]["total"].get("relation", "eq") == "eq",  # track_total_hits: always "eq"
    )
