"""Search fixtures: every contract test runs on each backend.

The embedded engine and OpenSearch (the session's node, tests/backends.py) always
run; Elasticsearch runs too when SOHOA_TEST_ES_URL names a server. On a server, each test gets
its own index, deleted afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from search import IndexedDocument, SearchIndex, open_index

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


@pytest.fixture(params=["embedded", "opensearch", *(["elastic"] if ES_URL else [])])
def backend(request) -> str:
    return request.param


@pytest.fixture
def index(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[SearchIndex]:
    if backend == "embedded":
        ix = open_index("", default_dir=tmp_path / "index")
        yield ix
        ix.close()
        return
    server = request.getfixturevalue("opensearch_url") if backend == "opensearch" else ES_URL
    ix = open_index(f"{server}/sohoa-test-{uuid.uuid4().hex[:12]}", default_dir=tmp_path)
    try:
        yield ix
    finally:
        ix.client.indices.delete(index=ix.name, ignore_unavailable=True)
        ix.close()
