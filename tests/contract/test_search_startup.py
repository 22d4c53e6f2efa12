"""Processes starting together on one Elasticsearch index (docker-compose: api and workers) must
not fail because another one created the index first."""
from __future__ import annotations

import json
import threading
from http.server import ThreadingHTTPServer

import pytest

from search.elastic import ElasticIndex
from tests.search.test_elastic_unit import _StandIn


class _CreatedMeanwhile(_StandIn):
    """The index does not exist when asked, and exists by the time it is created."""

    status = 400
    error = "resource_already_exists_exception"

    def _answer(self) -> None:
        if self.command != "PUT":
            return super()._answer()
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"error": {"type": self.error, "reason": "index [docs/x] already exists"},
                           "status": self.status}).encode()
        self.send_response(self.status)
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_PUT = _answer


@pytest.fixture
def racing_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CreatedMeanwhile)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_an_index_another_process_just_created_is_used(racing_server):
    ElasticIndex(racing_server, "docs").close()


def test_other_refusals_to_create_the_index_still_fail(racing_server, monkeypatch):
    from elasticsearch import BadRequestError

    monkeypatch.setattr(_CreatedMeanwhile, "error", "mapper_parsing_exception")
    with pytest.raises(BadRequestError):
        ElasticIndex(racing_server, "docs")
