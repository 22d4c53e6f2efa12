"""Queue contract fixtures: the in-process pool and Celery/Redis with a real worker process.

``rig`` is the side that submits (the API's Services) plus, for Celery, the stack its workers
run on. Both variants use short retry/lease timings (tests/scaleout.py FAST)."""
from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from catalog.models import Document, Page
from core.settings import Settings
from ingest.services import Services
from sohoa.services import build_services
from storage import content_key
from tests.scaleout import FAST, Stack, scaleout_stack  # noqa: F401  (fixture)


@dataclass
class Rig:
    services: Services
    stack: Stack | None  # None: the in-process pool

    def logs(self) -> str:
        return self.stack.logs() if self.stack else "(in-process queue)"

    def document(self, document_id: str) -> Document:
        with self.services.db.session() as s:
            return s.get(Document, document_id)

    def wait(self, document_id: str, until: Callable[[Document], bool], timeout: float = 90) -> Document:
        deadline = time.monotonic() + timeout
        while not until(document := self.document(document_id)):
            if time.monotonic() > deadline:
                raise AssertionError(f"document {document_id} stuck at {document.status} "
                                     f"(attempts {document.attempts})\n{self.logs()}")
            time.sleep(0.05)
        return document

    def wait_finished(self, document_id: str, timeout: float = 90) -> Document:
        return self.wait(document_id, lambda d: d.status in ("ready", "failed"), timeout)

    def pending_document(self, data: bytes, filename: str = "giay-to.png", *, store: bool = True) -> str:
        """A document accepted but not queued (as if its message was lost); ``store=False``
        leaves its original missing from object storage, an error every attempt runs into."""
        sha = hashlib.sha256(data).hexdigest()
        if store:
            self.store_original(data)
        with self.services.db.session() as s:
            document = Document(sha256=sha, media_type="image/png", filename=filename, size=len(data),
                                status="pending", page_count=1)
            s.add(document)
            s.flush()
            return document.id

    def store_original(self, data: bytes) -> None:
        self.services.store.put_bytes(content_key(hashlib.sha256(data).hexdigest()), data)

    def assert_stored_once(self) -> None:
        """Every document's objects, rows and index entry exist exactly once, nothing else."""
        with self.services.db.session() as s:
            rows = list(s.scalars(select(Document)))
            pages = s.scalar(select(func.count()).select_from(Page))
        store = self.services.store
        assert sorted(store.iter_keys("originals/")) == sorted({content_key(d.sha256) for d in rows})
        ready = [d for d in rows if d.status == "ready"]
        assert set(store.iter_keys("derived/")) == {k for d in ready for k in (d.pdf_key, d.text_key)}
        assert pages == sum(d.page_count for d in ready)
        assert self.services.index.count() == len(ready)


@pytest.fixture(params=["local", "celery"])
def rig(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Rig]:
    if request.param == "local":
        rig = Rig(build_services(Settings(data_dir=tmp_path / "var", **FAST, ocr_workers=1, document_workers=2)),
                  None)
    else:
        stack: Stack = request.getfixturevalue("scaleout_stack")
        stack.start_worker()
        rig = Rig(build_services(stack.settings), stack)
    try:
        yield rig
    finally:
        rig.services.close()
