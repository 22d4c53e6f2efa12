"""The search interface shared by every backend: documents in, queries and results out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

SORTS = ("relevance", "date")
MAX_LIMIT = 1000
MAX_WINDOW = 10_000  # offset + limit; deeper paging is refused, as Elasticsearch does
# What every engine returns alike: a snippet's length, a facet's buckets, and the score added per
# word typed with the document's own diacritics (exact diacritics rank first).
SNIPPET_CHARS = 180
FACET_SIZE = 500
EXACT_BOOST = 1.0
MAX_OFFICES = 100


class InvalidQuery(ValueError):
    """A query the user must fix (bad sort, bad paging, bad dates...). Callers answer 400."""


class OutdatedIndex(RuntimeError):
    """The index was built for an older schema (a field this code filters on is missing): it must be
    rebuilt from the catalog, ``sohoa reindex``, before the service can use it."""


@dataclass
class IndexedDocument:
    id: str  # catalog document id (uuid string)
    text: str  # OCR text
    title: str  # original filename or document type name
    filename: str
    owner_ids: list[str]  # personal ID (12 digits) and/or social-insurance code (10 digits)
    owner_name: str | None
    document_type: str | None  # document-type code
    procedure_codes: list[str]
    dossier_codes: list[str]
    status: str
    created_at: datetime  # UTC, tz-aware
    office: str | None = None  # the office whose record it is (catalog/home_office.py)


@dataclass
class SearchQuery:
    text: str = ""  # free text; "double quotes" make a phrase; with or without diacritics
    owner: str | None = None  # exact owner ID filter
    document_type: str | None = None
    procedure: str | None = None
    dossier: str | None = None
    status: str | None = None
    offices: tuple[str, ...] = ()  # documents of any of these offices; empty: of every office
    date_from: date | None = None  # inclusive, on created_at
    date_to: date | None = None  # inclusive
    sort: str = "relevance"  # or "date" (newest first)
    offset: int = 0
    limit: int = 20
    # False: a result set of many tens of thousands may be counted over a sample (SearchResults.total_exact
    # then False): counting every match of two common words costs more than finding the page.
    exact_total: bool = False

    def validate(self) -> None:
        """Raise InvalidQuery for what no backend can answer."""
        if self.sort not in SORTS:
            raise InvalidQuery(f"sort must be one of {', '.join(SORTS)}, not {self.sort!r}")
        if self.offset < 0 or self.limit < 0:
            raise InvalidQuery("offset and limit must not be negative")
        if self.limit > MAX_LIMIT:
            raise InvalidQuery(f"limit must be at most {MAX_LIMIT}")
        if self.offset + self.limit > MAX_WINDOW:
            raise InvalidQuery(f"offset + limit must be at most {MAX_WINDOW}; narrow the search instead")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise InvalidQuery("date_from is after date_to")
        if len(self.offices) > MAX_OFFICES:
            raise InvalidQuery(f"at most {MAX_OFFICES} offices at once")


@dataclass
class SearchHit:
    id: str
    score: float
    title: str
    document_type: str | None
    owner_ids: list[str]
    created_at: datetime
    highlights: list[str] = field(default_factory=list)  # <mark>…</mark>, HTML-escaped otherwise
    office: str | None = None


@dataclass
class SearchResults:
    total: int
    hits: list[SearchHit]
    facets: dict[str, dict[str, int]]  # {"document_type": {code: count}} over the filtered set
    took_ms: float
    # False: total and facets are estimates (two significant digits) from a sample of the matches, and a
    # type with few matches may be missing from the facets; a query's exact_total asks for exact counts.
    total_exact: bool = True


class SearchIndex(Protocol):
    def upsert(self, docs: Iterable[IndexedDocument]) -> None: ...  # visible when it returns
    def delete(self, ids: Iterable[str]) -> None: ...
    def search(self, query: SearchQuery) -> SearchResults: ...
    def count(self) -> int: ...
    def clear(self) -> None: ...
    # The index then holds exactly `docs`, whose ids are unique (the catalog's): `sohoa reindex`,
    # spared the per-document replace of an upsert.
    def replace_all(self, docs: Iterable[IndexedDocument]) -> None: ...
    def close(self) -> None: ...
