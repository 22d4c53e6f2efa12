"""What the Elasticsearch and OpenSearch adapters share: both engines speak the same document,
bulk, search and count API, and both clients ship the same `helpers.bulk`/`streaming_bulk`.

A subclass brings its client (and its `helpers` module), creates the index in its client's
dialect and clears it; everything sent is built by search/dsl.py.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Iterable
from types import ModuleType
from typing import Any

from search import text as textmod
from search.dsl import (MAPPING_VERSION, document_source, index_settings, mapping_version, results_from_response,
                        search_body)
from search.types import IndexedDocument, OutdatedIndex, SearchQuery, SearchResults

BULK_CHUNK = 1000
# Per request. The clients' 10 s default timed out a bulk chunk of 1000 documents waiting for its
# refresh on a busy node (load 15 on 2 cores); waiting longer beats failing the document.
REQUEST_TIMEOUT_S = 60.0


class RemoteIndex(ABC):
    """SearchIndex on one index of a search server; writes refresh so they are searchable on return."""

    engine = "search engine"  # for error messages
    client: Any
    helpers: ModuleType

    def __init__(self, name: str, rebuild: bool = False) -> None:
        self.name = name
        if self.client.indices.exists(index=name):
            answer = dict(self.client.indices.get_mapping(index=name))  # keyed by the concrete index
            found = mapping_version(next(iter(answer.values()))["mappings"])
            if found == MAPPING_VERSION:
                return
            if not rebuild:
                raise OutdatedIndex(
                    f"{self.engine} index {name!r} has mapping version {found}, this code needs {MAPPING_VERSION}: "
                    "stop the service and run `sohoa reindex` to rebuild it from the catalog")
            self.client.indices.delete(index=name)  # derived from the catalog, which the reindex sends again
        self._create(index_settings())

    @abstractmethod
    def _create(self, body: dict[str, Any]) -> None:
        """Create the index; another process creating it meanwhile is not an error (the API and
        the workers start together)."""

    @abstractmethod
    def clear(self) -> None:
        """Delete every document, keeping the index."""

    def upsert(self, docs: Iterable[IndexedDocument]) -> None:
        actions = ({"_op_type": "index", "_index": self.name, "_id": d.id, "_source": document_source(d)} for d in docs)
        self.helpers.bulk(self.client, actions, refresh="wait_for", raise_on_error=True, chunk_size=BULK_CHUNK)

    def replace_all(self, docs: Iterable[IndexedDocument]) -> None:
        self.clear()
        self.upsert(docs)

    def delete(self, ids: Iterable[str]) -> None:
        actions = ({"_op_type": "delete", "_index": self.name, "_id": i} for i in ids)
        for ok, item in self.helpers.streaming_bulk(self.client, actions, raise_on_error=False, refresh="wait_for"):
            if not ok and item.get("delete", {}).get("status") != 404:
                raise RuntimeError(f"{self.engine} delete failed: {item}")

    def search(self, query: SearchQuery) -> SearchResults:
        started = time.perf_counter()
        if textmod.nothing_to_match(query.text):  # `*`, `!!!`: analysis leaves nothing, so nothing matches
            query.validate()
            return SearchResults(0, [], {"document_type": {}}, (time.perf_counter() - started) * 1000)
        resp = self.client.search(index=self.name, body=search_body(query))
        return results_from_response(dict(resp), (time.perf_counter() - started) * 1000)

    def count(self) -> int:
        return int(self.client.count(index=self.name)["count"])

    def close(self) -> None:
        self.client.close()
