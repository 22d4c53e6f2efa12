"""Task queues for document processing. The embedded default runs in-process threads; the
threads only orchestrate, the CPU work happens in the OCR page pool's processes."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from core.settings import Settings

log = logging.getLogger(__name__)


class TaskQueue(Protocol):
    recovery_grace_s: float
    """Recovery leaves unfinished work younger than this alone: 0 where this process is the only
    worker, longer where other processes (API replicas, workers) may be in the middle of it."""

    def submit(self, document_id: str, *, delay: float = 0.0) -> None: ...
    def requeue(self, document_ids: Sequence[str]) -> list[str]:
        """Submit documents recovery found unfinished, except those queued or running elsewhere;
        return the ones submitted."""
        ...
    def wait_idle(self, timeout: float | None = None) -> bool: ...
    def ping(self) -> None:
        """Raise if the queue cannot take documents now (readiness check)."""
        ...
    def close(self, wait: bool = True) -> None: ...


def open_queue(settings: Settings, handler: Callable[[str], None]) -> TaskQueue:
    """The queue SOHOA_BROKER_URL names: empty for the in-process pool running ``handler``,
    redis:// or rediss:// for Celery (``handler`` then runs in ``sohoa worker`` processes)."""
    scheme = urlsplit(settings.broker_url.strip()).scheme
    if not scheme:
        return LocalQueue(handler, workers=settings.document_workers)
    if scheme in ("redis", "rediss"):
        from ingest.celery_queue import CeleryQueue

        return CeleryQueue(settings)
    raise ValueError(f"unsupported broker URL scheme {scheme!r}: leave it empty or use redis://")


class LocalQueue:
    """In-process worker pool. Nothing is lost if the process dies: the catalog row stays
    pending/processing and start-up recovery submits it again."""

    recovery_grace_s = 0.0  # nobody else works on this catalog: all unfinished work is ours

    def __init__(self, handler: Callable[[str], None], workers: int) -> None:
        self._handler = handler
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="document")
        self._lock = threading.Condition()
        self._in_flight = 0
        self._timers: set[threading.Timer] = set()
        self._closed = False

    def submit(self, document_id: str, *, delay: float = 0.0) -> None:
        with self._lock:
            if self._closed:
                return
            self._in_flight += 1
        if delay <= 0:
            self._start(document_id)
            return
        timer = threading.Timer(delay, lambda: self._start(document_id, timer))
        timer.daemon = True
        with self._lock:
            self._timers.add(timer)
        timer.start()

    def requeue(self, document_ids: Sequence[str]) -> list[str]:
        for document_id in document_ids:
            self.submit(document_id)
        return list(document_ids)

    def _start(self, document_id: str, timer: threading.Timer | None = None) -> None:
        if timer is not None:
            with self._lock:
                self._timers.discard(timer)
        try:
            future = self._executor.submit(self._handler, document_id)
        except RuntimeError:  # executor shut down while a retry timer was pending
            self._done(None)
            return
        future.add_done_callback(self._done)

    def _done(self, future: Future | None) -> None:
        if future is not None and not future.cancelled() and future.exception() is not None:
            log.error("document task crashed", exc_info=future.exception())
        with self._lock:
            self._in_flight -= 1
            self._lock.notify_all()

    def ping(self) -> None:
        if self._closed:
            raise RuntimeError("the in-process queue is closed")

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no document is queued or running (used by the CLI and tests)."""
        with self._lock:
            return self._lock.wait_for(lambda: self._in_flight == 0, timeout)

    def close(self, wait: bool = True) -> None:
        """Refuse new work and drop queued work (it stays pending in the catalog)."""
        with self._lock:
            self._closed = True
            for timer in self._timers:
                timer.cancel()
        self._executor.shutdown(wait=wait, cancel_futures=True)
