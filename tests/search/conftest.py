"""Search fixtures: every contract test runs on each backend.

The embedded engine always runs; Elasticsearch runs when SOHOA_TEST_ES_URL names
a server (each test gets its own index, deleted afterwards).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from search import IndexedDocument, SearchIndex

ES_URL = os.environ.get("SOHOA_TEST_ES_URL", "")
OWNER = "001203004567"
OTHER_OWNER = "001203004568"


def make_doc(n: int, text: str = "", **fields) -> IndexedDocument:
    values = dict(
        id=str(uuid.UUID(int=n)),
        text=text,
        title="Giấy tờ",
        filename=f"scan_{n}.pdf",
        owner_ids=[OWNER],
        owner_name=None,
        document_type="CCCD",
        procedure_codes=["1.000027"],
        dossier_codes=["BHXH-PT-240101-0001"],
        status="ready",
        created_at=datetime(2024, 1, 1, 8, 0, tzinfo=timezone.utc),
    )
    values.update(fields)
    return IndexedDocument(**values)


@pytest.fixture(params=["embedded", "elastic"])
def backend(request) -> str:
    if request.param == "elastic" and not ES_URL:
        pytest.skip("SOHOA_TEST_ES_URL is not set: no Elasticsearch server to run the contract against")
    return request.param


@pytest.fixture
def index(backend: str, tmp_path: Path) -> Iterator[SearchIndex]:
    if backend == "embedded":
        from search.embedded import TantivyIndex

        ix = TantivyIndex(tmp_path / "index")
        yield ix
        ix.close()
    else:
        from search.elastic import ElasticIndex

        ix = ElasticIndex(ES_URL, f"sohoa-test-{uuid.uuid4().hex[:12]}")
        try:
            yield ix
        finally:
            ix.client.indices.delete(index=ix.name, ignore_unavailable=True)
            ix.close()
