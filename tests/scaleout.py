"""The scale-out stack for tests: PostgreSQL catalog, S3 (moto) objects, Celery on Redis, and real
``sohoa worker`` subprocesses, each test on its own database, bucket and Redis database.

    stack = request.getfixturevalue("scaleout_stack")
    worker = stack.start_worker()          # `python -m sohoa.cli worker`, ready to take tasks
    services = build_services(stack.settings)
    ...
    worker.kill()                          # SIGKILL its whole process group (OCR pool included)

The search index is the embedded engine in a directory every process shares (it is safe for
several processes); Elasticsearch has its own contract tests (tests/search).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from core.settings import Settings
from tests.backends import s3_bucket_url
from tests.servers import log_tail, wait_until

REPO = Path(__file__).resolve().parents[1]

# Short timings so that a killed worker's document comes back within seconds, not an hour.
FAST = {
    "retry_delay_s": 0.5,
    "task_visibility_timeout_s": 6,
    "task_lease_s": 3.0,
    "recovery_grace_s": 2.0,
    "recovery_interval_s": 2.0,
}


class WorkerProcess:
    """One ``sohoa worker`` (or ``sohoa beat``) in its own process group, logging to a file."""

    def __init__(self, name: str, env: dict[str, str], log: Path, command: str = "worker") -> None:
        self.name = name
        self.log = log
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "sohoa.cli", command, "--loglevel", "INFO"], cwd=REPO, env=env,
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            )

    def wait_for(self, text: str, timeout: float = 90) -> WorkerProcess:
        wait_until(lambda: text in self.text(), f"{self.name} to log {text!r}", log=self.log, proc=self.proc,
                   timeout=timeout)
        return self

    def wait_ready(self, timeout: float = 90) -> WorkerProcess:
        return self.wait_for(" ready.", timeout)

    def kill(self) -> None:
        """SIGKILL the worker, its OCR pool and their Tesseracts: no clean-up code runs."""
        self._signal_group(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self, timeout: float = 30) -> None:
        if self.proc.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        else:  # the worker is gone; its forkserver and pool may not be
            self._signal_group(signal.SIGKILL)

    def _signal_group(self, sig: int) -> None:
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass

    def text(self) -> str:
        return self.log.read_text(errors="replace")


@dataclass
class Stack:
    root: Path
    database_url: str
    storage_url: str
    broker_url: str
    workers: list[WorkerProcess] = field(default_factory=list)

    def urls(self) -> dict[str, str]:
        return {"database_url": self.database_url, "storage_url": self.storage_url,
                "search_url": str(self.root / "index"), "broker_url": self.broker_url}

    @property
    def settings(self) -> Settings:
        """The API side's settings (the test process); workers get the same URLs."""
        return Settings(data_dir=self.root / "api", **self.urls(), **FAST, ocr_workers=1, document_workers=1,
                        max_upload_bytes=5 * 1024 * 1024, max_request_bytes=12 * 1024 * 1024, max_pages=20)

    def start_worker(self, *, ready: bool = True, **overrides: object) -> WorkerProcess:
        worker = self._spawn("worker", f"w{len(self.workers) + 1}", overrides)
        return worker.wait_ready() if ready else worker

    def start_beat(self, **overrides: object) -> WorkerProcess:
        return self._spawn("beat", "beat", overrides).wait_for("beat: Starting...")

    def _spawn(self, command: str, name: str, overrides: dict[str, object]) -> WorkerProcess:
        values = {**self.urls(), **FAST, "data_dir": self.root / name, "ocr_workers": 1, "document_workers": 1,
                  **overrides}
        env = {**os.environ, "PGAPPNAME": f"sohoa-{name}",
               **{f"SOHOA_{k.upper()}": str(v) for k, v in values.items()}}
        process = WorkerProcess(name, env, self.root / f"{name}.log", command)
        self.workers.append(process)
        return process

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {w.name}\n{log_tail(w.log, 40)}" for w in self.workers)


def store_classifier_model(stack: Stack) -> None:
    """Give the fresh catalog its document-type model, as a deployment has after its first
    document: trained once per test session (in this process), so that each worker does not
    spend ~10 s training it on its first document."""
    from catalog import classifier
    from sohoa.services import open_catalog
    from storage import open_storage

    db = open_catalog(stack.database_url)
    try:
        classifier.retrain(db, open_storage(stack.storage_url, default_dir=stack.root / "unused"))
    finally:
        db.dispose()


@pytest.fixture
def scaleout_stack(tmp_path: Path, pg_database: str, s3_endpoint: str, redis_url: str) -> Iterator[Stack]:
    stack = Stack(tmp_path / "stack", pg_database, s3_bucket_url(s3_endpoint), redis_url)
    stack.root.mkdir()
    store_classifier_model(stack)
    try:
        yield stack
    finally:
        stack.stop()
