"""The Elasticsearch adapter: the elasticsearch client (its major must match the server's) sending
what search/dsl.py builds, through search/remote.py."""

from __future__ import annotations

from typing import Any

from search.remote import REQUEST_TIMEOUT_S, RemoteIndex


class ElasticIndex(RemoteIndex):
    """SearchIndex on an Elasticsearch index."""

    engine = "Elasticsearch"

    def __init__(self, url: str, name: str, *, rebuild: bool = False, **client_options: Any):
        from elasticsearch import Elasticsearch, helpers

        self.client = Elasticsearch(url, **{"request_timeout": REQUEST_TIMEOUT_S, **client_options})
        self.helpers = helpers
        super().__init__(name, rebuild)

    def _create(self, body: dict[str, Any]) -> None:
        from elasticsearch import BadRequestError

        try:
            self.client.indices.create(index=self.name, **body)
        except BadRequestError as exc:
            if exc.error != "resource_already_exists_exception":
                raise

    def clear(self) -> None:
        self.client.delete_by_query(index=self.name, query={"match_all": {}}, refresh=True, conflicts="proceed")
