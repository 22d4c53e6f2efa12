"""The parts of a running archive that the pipeline, the queue and the API work with.

They are assembled from settings in one place, ``sohoa.services.build_services``; everything below
the entry points receives them ready-made.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from catalog.db import Database
from core.settings import Settings
from ingest.queue import TaskQueue
from ocr import PagePool
from records.keys import SigningKey
from search import SearchIndex
from storage import ObjectStore

if TYPE_CHECKING:  # the clients' modules build on this one
    from ingest.national_store import NationalStore
    from ingest.portal import PortalClient


@dataclass
class Services:
    settings: Settings
    db: Database
    store: ObjectStore
    index: SearchIndex
    pool: PagePool
    secret_key: str
    signing_key: SigningKey | None = None
    """The agency's key for signed copies (records/keys.py); None: papers are approved unsigned."""
    portal: PortalClient | None = None
    """The national portal's client (ingest/portal.py); None: sync records wait in the outbox."""
    national_store: NationalStore | None = None
    """The national data store's client (ingest/national_store.py); None: switched off."""
    queue: TaskQueue = field(init=False)
    stopping: threading.Event = field(default_factory=threading.Event)
    """Set at shutdown: work cut short by it goes back to the queue without using up an attempt."""
    scheduler: Any = field(default=None, init=False)  # sohoa.scheduler.Scheduler when it runs here

    @property
    def tmp_dir(self) -> Path:
        return self.settings.data_dir / "tmp"

    def close(self) -> None:
        """Stop quickly: queued documents stay pending (recovery re-queues them at the next
        start), running ones are cut short at their current page rather than waited for."""
        self.stopping.set()
        if self.scheduler is not None:
            self.scheduler.stop()
        self.queue.close(wait=False)
        self.pool.close()
        self.queue.close(wait=True)
        self.index.close()
        if self.signing_key is not None:
            self.signing_key.close()
        for client in (self.portal, self.national_store):
            if client is not None:
                client.close()
        self.db.dispose()
