"""An archive with documents made directly in the catalog, the store and the index (no OCR, so the
tests that use it take seconds), headers for each test user, the CLI, and ready papers to reuse.
Its fixtures are registered for the whole suite by tests/conftest.py."""
from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time

import pytest
from click.testing import CliRunner, Result
from fastapi.testclient import TestClient
from sqlalchemy import select

from catalog.indexing import load_indexed
from catalog.models import Component, Document, Dossier, Page
from core.clock import LOCAL_TZ
from search import SearchQuery
from storage import content_key
from tests.conftest import OWNER_ID, auth_header, open_dossier

_serial = itertools.count(1)


@dataclass
class Archive:
    """Builds a small archive through the real catalog, store and index."""

    client: TestClient

    @property
    def services(self):
        return self.client.app.state.services

    def dossier(self, owner: str = OWNER_ID, resolved: date | None = date(2015, 3, 1)) -> str:
        code = open_dossier(self.client, owner=owner, full_name="Nguyễn Văn Đức")["code"]
        if resolved is not None:
            self.resolve(code, resolved)
        return code

    def resolve(self, code: str, day: date | None) -> None:
        with self.services.db.session() as s:
            dossier = s.scalars(select(Dossier).where(Dossier.code == code)).one()
            dossier.resolved_at = datetime.combine(day, time(10), LOCAL_TZ) if day else None

    def document(self, dossier: str | None = None, type_code: str = "NT01", content: bytes | None = None,
                 text: str = "Họ và tên: Nguyễn Văn Đức, số định danh 001203004567", **columns) -> str:
        """A ready document with original, searchable PDF, text, page text and index entry."""
        n = next(_serial)
        content = content if content is not None else f"scan {n} of a paper".encode() * 50
        sha = hashlib.sha256(content).hexdigest()
        with self.services.db.session() as s:
            owner_id = dossier_row = None
            if dossier is not None:
                dossier_row = s.scalars(select(Dossier).where(Dossier.code == dossier)).one()
                owner_id = dossier_row.owner_id
            document = Document(
                sha256=sha, media_type="image/png", filename=f"khai-sinh-nguyen-van-duc-{n}.png", size=len(content),
                owner_id=owner_id, status="ready", page_count=1, pages_done=1, document_type_code=type_code,
                digitization_code=f"{OWNER_ID}.{type_code}.BCA.{n:02d}", owner_name="Nguyễn Văn Đức",
                owner_code=OWNER_ID, fields={"personal_id": OWNER_ID, "full_name": "Nguyễn Văn Đức"},
                abstract="Giấy tờ của ông Nguyễn Văn Đức", signer="Trần Thị B",
                **{"issue_date": date(2014, 5, 2), **columns})
            s.add(document)
            s.flush()
            s.add(Page(document_id=document.id, number=1, text=text, source="ocr"))
            if dossier_row is not None:
                s.add(Component(dossier_id=dossier_row.id, document_id=document.id,
                                component_code=f"1.000456.TP0{n % 4 + 1}"))
            doc_id, pdf_key, text_key = document.id, document.pdf_key, document.text_key
        store = self.services.store
        store.put_bytes(content_key(sha), content)
        store.put_bytes(pdf_key, b"%PDF-1.7 searchable " + content)
        store.put_bytes(text_key, text.encode())
        with self.services.db.session() as s:
            self.services.index.upsert([load_indexed(s, doc_id)])
        return doc_id

    def indexed(self, document_id: str) -> bool:
        hits = self.services.index.search(SearchQuery(text="", owner=OWNER_ID, limit=1000)).hits
        return document_id in {h.id for h in hits}

    def keys(self, document_id: str) -> dict[str, str]:
        with self.services.db.session() as s:
            d = s.get(Document, document_id)
            return {"original": d.original_key, "pdf": d.pdf_key, "text": d.text_key}

    def objects(self, document_id: str) -> dict[str, bool]:
        return {name: self.services.store.exists(key) for name, key in self.keys(document_id).items()}


def flip_a_byte(store, key: str) -> None:
    with store.open(key) as f:
        data = bytearray(f.read())
    data[len(data) // 2] ^= 0x01
    store.put_bytes(key, bytes(data))


@pytest.fixture
def archive(client: TestClient) -> Archive:
    return Archive(client)


@pytest.fixture
def as_user(client: TestClient) -> Callable[[str], dict[str, str]]:
    """Headers of a test user, logged in once per test."""
    cache: dict[str, dict[str, str]] = {}

    def headers(username: str) -> dict[str, str]:
        if username not in cache:
            cache[username] = auth_header(client, username)
        return cache[username]

    return headers


@pytest.fixture
def cli(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Result]]:
    """Run ``sohoa …`` in-process on the test app's data directory and catalog."""
    from core.settings import get_settings
    from sohoa.cli import main

    settings = client.app.state.services.settings
    monkeypatch.setenv("SOHOA_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SOHOA_DATABASE_URL", settings.resolved_database_url())
    get_settings.cache_clear()
    yield lambda *args: CliRunner().invoke(main, [str(a) for a in args])
    get_settings.cache_clear()


OTHER_OWNER = "079300001111"


def paper(archive: Archive, dossier: str, type_code: str, *, approved: bool = True, **columns) -> str:
    """A ready paper of the dossier's owner, approved for reuse unless told otherwise."""
    status = columns.pop("status", None)
    values = {"permanent": True, "valid_until": None, "review_status": "approved" if approved else "pending",
              "reviewed_by": "handler1" if approved else None, **columns}
    document_id = archive.document(dossier, type_code=type_code, **values)
    if status is not None:  # the builder makes ready papers
        with archive.services.db.session() as s:
            s.get(Document, document_id).status = status
    return document_id


@pytest.fixture
def today() -> date:
    from catalog.catalogs import today_local

    return today_local()
