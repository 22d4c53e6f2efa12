"""``sohoa reindex`` rebuilds either search engine from the catalog, and is safe to run next to a
live service on the same data directory."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import datetime, timezone

import pytest

from catalog import documents as docs
from catalog.models import Document
from core.settings import Settings
from catalog.users import Role, create_user
from search import IndexedDocument, OutdatedIndex, SearchQuery, open_index
from sohoa.services import build_services
from tests.scaleout import REPO
from tests.search.test_elastic_unit import stand_in  # noqa: F401  (fixture: a recording Elasticsearch)

TEXTS = {"giay-khai-sinh.png": "Giấy khai sinh của Nguyễn Văn Đức", "to-khai.png": "Tờ khai tham gia bảo hiểm xã hội"}


@pytest.fixture
def catalog(settings: Settings) -> tuple[Settings, dict[str, str]]:
    """A catalog with two ready documents (and one still pending) and an emptied index; the ready
    documents' ids by file name."""
    services = build_services(settings, start_workers=False)
    ready = {}
    try:
        for n, (name, text) in enumerate([*TEXTS.items(), ("cho-xu-ly.png", "")]):
            with services.db.session() as s:
                document = Document(sha256=f"{n:064x}", media_type="image/png", filename=name, size=1,
                                    status="pending", page_count=1)
                s.add(document)
                s.flush()
                if text:
                    docs.claim(s, document.id)
                    docs.complete(s, document.id, [docs.PageRecord(1, text, 90.0, "ocr")], 90.0)
                    ready[name] = document.id
        services.index.clear()
    finally:
        services.close()
    return settings, ready


def reindex(settings: Settings, **env: str) -> str:
    environment = {**os.environ, "SOHOA_DATA_DIR": str(settings.data_dir),
                   "SOHOA_DATABASE_URL": settings.database_url, **env}
    done = subprocess.run([sys.executable, "-m", "sohoa.cli", "reindex"], cwd=REPO, env=environment,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_reindex_rebuilds_the_embedded_index(catalog):
    settings, ready = catalog
    in_use = settings.data_dir / "tmp" / "upload-of-the-running-server"
    in_use.write_bytes(b"half an upload")
    assert reindex(settings).strip() == "reindexed 2 documents"
    assert in_use.exists(), "a fresh temporary file of another process is left alone"
    index = open_index("", default_dir=settings.data_dir / "index")
    try:
        assert index.count() == 2
        hits = index.search(SearchQuery(text="nguyen van duc")).hits
        assert [h.id for h in hits] == [ready["giay-khai-sinh.png"]]
    finally:
        index.close()


def test_an_index_of_the_older_schema_stops_the_service_until_reindexed(catalog):
    """An upgrade that adds an index field (2: office) is detected; `sohoa reindex` replaces the
    outdated index and fills the new field from the catalog."""
    settings, ready = catalog
    services = build_services(settings, start_workers=False)
    try:
        with services.db.session() as s:
            create_user(s, "counter7", "mat-khau-thu-nghiem", Role.counter, "PT07")
            s.get(Document, ready["to-khai.png"]).digitized_by = "counter7"
    finally:
        services.close()
    (settings.data_dir / "index" / "sohoa-index.json").write_text('{"schema_version": 1}')
    with pytest.raises(OutdatedIndex, match="sohoa reindex"):
        build_services(settings, start_workers=False)
    refused = subprocess.run([sys.executable, "-m", "sohoa.cli", "retention", "due"], cwd=REPO, capture_output=True,
                             text=True, timeout=120, env={**os.environ, "SOHOA_DATA_DIR": str(settings.data_dir),
                                                          "SOHOA_DATABASE_URL": settings.database_url})
    assert refused.returncode == 1 and "run `sohoa reindex`" in refused.stderr and "Traceback" not in refused.stderr
    assert reindex(settings).strip() == "reindexed 2 documents"
    index = open_index("", default_dir=settings.data_dir / "index")
    try:
        assert [h.id for h in index.search(SearchQuery(offices=("PT07",))).hits] == [ready["to-khai.png"]]
    finally:
        index.close()


def test_reindex_sends_every_ready_document_to_elasticsearch(catalog, stand_in):
    settings, ready = catalog
    url, requests = stand_in
    assert reindex(settings, SOHOA_SEARCH_URL=f"{url}/sohoa-documents").strip() == "reindexed 2 documents"
    paths = [path.split("?")[0] for _, path, _ in requests]
    assert "/sohoa-documents/_delete_by_query" in paths, "the old index content is cleared first"
    actions = [json.loads(line) for method, path, body in requests if path.startswith("/_bulk")
               for line in body.splitlines()[::2]]
    assert sorted(a["index"]["_id"] for a in actions) == sorted(ready.values())
    assert paths.index("/sohoa-documents/_delete_by_query") < paths.index("/_bulk")


def test_reindex_rebuilds_an_opensearch_index(catalog, opensearch_url):
    settings, ready = catalog
    url = f"{opensearch_url}/sohoa-test-reindex-{uuid.uuid4().hex[:8]}"
    stale = open_index(url, default_dir=settings.data_dir)
    try:
        stale.upsert([IndexedDocument(id="gone", text="đã huỷ", title="x", filename="x.png", owner_ids=[],
                                      owner_name=None, document_type=None, procedure_codes=[], dossier_codes=[],
                                      status="ready", created_at=datetime.now(timezone.utc))])
        assert reindex(settings, SOHOA_SEARCH_URL=url).strip() == "reindexed 2 documents"
        assert stale.count() == 2, "what the catalog no longer has is gone"
        hits = stale.search(SearchQuery(text="nguyen van duc")).hits
        assert [h.id for h in hits] == [ready["giay-khai-sinh.png"]]
    finally:
        stale.client.indices.delete(index=stale.name, ignore_unavailable=True)
        stale.close()
