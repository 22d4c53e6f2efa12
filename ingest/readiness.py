"""Readiness: can this process do its work now? Each backend is probed for real (the catalog read,
an object written, read back and deleted, the index counted, the queue pinged), all at once and
each within a time limit, so one hanging backend cannot hold the answer up."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, TimeoutError as FutureTimeout
from dataclasses import dataclass

from sqlalchemy import text

from ingest.services import Services

PROBE_TIMEOUT_S = 5.0
PROBE_PREFIX = "ops/readyz/"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    error: str | None = None  # the exception's type only: its message may name hosts or paths


def _catalog(services: Services) -> None:
    with services.db.session() as s:
        s.execute(text("SELECT version_num FROM alembic_version")).all()


def _object_store(services: Services) -> None:
    key = f"{PROBE_PREFIX}{uuid.uuid4().hex}"
    services.store.put_bytes(key, b"readyz")
    try:
        with services.store.open(key) as stream:
            if stream.read() != b"readyz":
                raise RuntimeError("probe object read back differs")
    finally:
        services.store.delete(key)


def _index(services: Services) -> None:
    services.index.count()


def _queue(services: Services) -> None:
    services.queue.ping()


PROBES: dict[str, Callable[[Services], None]] = {
    "catalog": _catalog, "object_store": _object_store, "index": _index, "queue": _queue,
}


def check_readiness(services: Services, timeout: float = PROBE_TIMEOUT_S) -> list[Check]:
    """One Check per backend, in PROBES order."""
    pool = ThreadPoolExecutor(max_workers=len(PROBES), thread_name_prefix="readyz")
    try:
        futures = {name: pool.submit(probe, services) for name, probe in PROBES.items()}
        checks = []
        for name, future in futures.items():
            try:
                future.result(timeout=timeout)
                checks.append(Check(name, True))
            except FutureTimeout:
                checks.append(Check(name, False, "timeout"))
            except Exception as exc:  # any failure of the backend is the answer, not an error
                checks.append(Check(name, False, type(exc).__name__))
        return checks
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
