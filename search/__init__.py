"""Full-text search over digitized documents: one interface, two engines.

`open_index(url)` is the one place the engine is chosen: an empty URL, a plain
path or file:// gives the embedded tantivy index, http(s):// gives Elasticsearch and
opensearch+http(s):// gives OpenSearch; the URL's path names the index.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from search.types import (
    IndexedDocument,
    InvalidQuery,
    OutdatedIndex,
    SearchHit,
    SearchIndex,
    SearchQuery,
    SearchResults,
)

__all__ = [
    "IndexedDocument",
    "InvalidQuery",
    "OutdatedIndex",
    "SearchHit",
    "SearchIndex",
    "SearchQuery",
    "SearchResults",
    "open_index",
]

DEFAULT_ES_INDEX = "sohoa-documents"
OPENSEARCH_SCHEMES = {"opensearch+http": "http", "opensearch+https": "https"}


def open_index(url: str, *, default_dir: Path, rebuild: bool = False) -> SearchIndex:
    """Open the search backend that `url` (SOHOA_SEARCH_URL) names.

    An index built for an older schema raises OutdatedIndex, unless `rebuild`: then it is replaced
    by an empty one of the current schema, for `sohoa reindex` to fill."""
    url = (url or "").strip()
    parsed = urlparse(url)
    if parsed.scheme in ("http", "https", *OPENSEARCH_SCHEMES):
        name = parsed.path.strip("/") or DEFAULT_ES_INDEX
        server = parsed._replace(path="", params="", query="", fragment="")
        if parsed.scheme in OPENSEARCH_SCHEMES:
            from search.opensearch import OpenSearchIndex

            return OpenSearchIndex(server._replace(scheme=OPENSEARCH_SCHEMES[parsed.scheme]).geturl(), name,
                                   rebuild=rebuild)
        from search.elastic import ElasticIndex

        return ElasticIndex(server.geturl(), name, rebuild=rebuild)
    from search.embedded import TantivyIndex

    if not url:
        return TantivyIndex(Path(default_dir), rebuild=rebuild)
    if parsed.scheme == "file":
        return TantivyIndex(Path(unquote(parsed.path)), rebuild=rebuild)
    if parsed.scheme and len(parsed.scheme) > 1:
        raise ValueError(f"unsupported search URL {url!r}: use a path, file://, http(s):// or opensearch+http(s)://")
    return TantivyIndex(Path(url), rebuild=rebuild)
