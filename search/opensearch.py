"""The OpenSearch adapter: the opensearch-py client sending what search/dsl.py builds, through
search/remote.py. (The Elasticsearch 9 client refuses any server that is not Elasticsearch.)"""

from __future__ import annotations

from typing import Any

from search.remote import REQUEST_TIMEOUT_S, RemoteIndex


class OpenSearchIndex(RemoteIndex):
    """SearchIndex on an OpenSearch index."""

    engine = "OpenSearch"

    def __init__(self, url: str, name: str, *, rebuild: bool = False, **client_options: Any):
        from opensearchpy import OpenSearch, helpers

        self.client = OpenSearch(hosts=[url], **{"timeout": REQUEST_TIMEOUT_S, **client_options})
        self.helpers = helpers
        super().__init__(name, rebuild)

    def _create(self, body: dict[str, Any]) -> None:
        from opensearchpy.exceptions import RequestError

        try:
            self.client.indices.create(index=self.name, body=body)
        except RequestError as exc:
            if exc.error != "resource_already_exists_exception":
                raise

    def clear(self) -> None:
        self.client.delete_by_query(
            index=self.name, body={"query": {"match_all": {}}}, refresh=True, conflicts="proceed"
        )
