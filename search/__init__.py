"""Full-text search over digitized documents: one interface, two engines.

`open_index(url)` is the one place the engine is chosen: an empty URL, a plain
path or file:// gives the embedded tantivy index, http(s):// gives Elasticsearch.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from search.types import (
    IndexedDocument,
    InvalidQuery,
    SearchHit,
    SearchIndex,
    SearchQuery,
    SearchResults,
)

__all__ = [
    "IndexedDocument",
    "InvalidQuery",
    "SearchHit",
    "SearchIndex",
    "SearchQuery",
    "SearchResults",
    "open_index",
]

DEFAULT_ES_INDEX = "sohoa-documents"


def open_index(url: str, *, default_dir: Path) -> SearchIndex:
    """Open the search backend that `url` (SOHOA_SEARCH_URL) names."""
    url = (url or "").strip()
    parsed = urlparse(url)
    if parsed.scheme in ("http", "https"):
        from search.elastic import ElasticIndex

        name = parsed.path.strip("/") or DEFAULT_ES_INDEX
        return ElasticIndex(parsed._replace(path="", params="", query="", fragment="").geturl(), name)
    from search.embedded import TantivyIndex

    if not url:
        return TantivyIndex(Path(default_dir))
    if parsed.scheme == "file":
        return TantivyIndex(Path(unquote(parsed.path)))
    if parsed.scheme and len(parsed.scheme) > 1:
        raise ValueError(f"unsupported search URL {url!r}: use a path, file://, http:// or https://")
    return TantivyIndex(Path(url))
