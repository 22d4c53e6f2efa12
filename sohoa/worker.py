"""The scale-out processes: ``sohoa worker`` (Celery tasks on this process's services) and
``sohoa beat`` (the schedule), and the health check of their containers."""
from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Sequence

from celery.signals import setup_logging, worker_shutting_down

from core.logs import configure_logging
from core.settings import Settings
from ingest import pipeline, recovery
from ingest.celery_queue import MAINTENANCE_QUEUE, OCR_QUEUE, CeleryQueue, WorkerHandlers, make_celery
from ingest.services import Services
from sohoa.scheduler import default_jobs
from sohoa.services import build_services

log = logging.getLogger(__name__)


def recover_unfinished(services: Services) -> list[str]:
    """Queue again unfinished documents nobody holds or has queued (see ingest/celery_queue.py)."""
    requeued = services.queue.requeue(recovery.recover(services))
    if requeued:
        log.warning("re-queued %d unfinished documents: %s", len(requeued), ", ".join(requeued[:20]))
    return requeued


def run_job(services: Services, name: str) -> object:
    jobs = [j for j in default_jobs(services) if j.name == name]
    if not jobs:  # switched off on this worker (sign_pending without a signing key)
        return f"{name}: off"
    return jobs[0].run(services)


def run_worker(settings: Settings, *, concurrency: int | None = None,
               queues: Sequence[str] = (OCR_QUEUE, MAINTENANCE_QUEUE), loglevel: str = "INFO") -> int:
    """``sohoa worker``: build this process's Services and consume tasks until stopped.

    The pool is threads: they only orchestrate, the OCR runs in the Services' page pool (one
    process per core), as in the in-process queue; forking OCR processes from prefork children
    is not possible (they are daemonic)."""
    _log_through_ours(settings)
    services = build_services(settings)  # migrates, recovers, re-queues what nobody holds
    if settings.metrics_port:
        from prometheus_client import start_http_server

        start_http_server(settings.metrics_port, addr=settings.metrics_bind)
    queue = services.queue
    if not isinstance(queue, CeleryQueue):
        services.close()
        raise RuntimeError("sohoa worker needs SOHOA_BROKER_URL=redis://…")
    queue.app.sohoa_handlers = WorkerHandlers(
        process=lambda document_id: pipeline.process(services, document_id),
        recover=lambda: recover_unfinished(services),
        run_job=lambda name: run_job(services, name),
        stopping=services.stopping,
    )

    def cut_short(**_: object) -> None:
        # Warm shutdown waits for running tasks: make them stop at their current page and hand
        # their documents back (see Services.close), instead of finishing whole documents.
        services.stopping.set()
        threading.Thread(target=services.pool.close, name="pool-close", daemon=True).start()

    worker_shutting_down.connect(cut_short, weak=False)
    try:
        worker = queue.app.Worker(
            hostname=f"worker-{os.getpid()}@{socket.gethostname()}",
            pool_cls="threads",
            concurrency=concurrency or settings.document_workers,
            queues=list(queues),
            loglevel=loglevel,
            without_mingle=True,
            without_gossip=True,
        )
        worker.start()
        return worker.exitcode or 0
    finally:
        worker_shutting_down.disconnect(cut_short)
        services.close()


def run_beat(settings: Settings, *, loglevel: str = "INFO") -> None:
    """``sohoa beat``: send the scheduled tasks (run exactly one beat per deployment)."""
    if not settings.broker_url:
        raise RuntimeError("sohoa beat needs SOHOA_BROKER_URL=redis://…")
    _log_through_ours(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = make_celery(settings)
    app.Beat(schedule=str(settings.data_dir / "celerybeat-schedule"), loglevel=loglevel,
             hostname=f"beat@{socket.gethostname()}", remote_control=True).run()


def _log_through_ours(settings: Settings) -> None:
    """Celery configures logging itself unless a ``setup_logging`` receiver does: keep
    core/logs.py's one configuration, at the level the command asked for."""
    def configure(loglevel: int | str | None = None, **_: object) -> None:
        level = logging.getLevelName(loglevel) if isinstance(loglevel, int) else loglevel or settings.log_level
        configure_logging(level, settings.log_format)

    setup_logging.connect(configure, weak=False)


def ping(settings: Settings, role: str, timeout: float = 5.0) -> list[str]:
    """The ``role`` nodes ("worker" or "beat") on this host answering a Celery ping: the health
    check of their containers. A beat whose scheduler stopped ticking does not answer."""
    app = make_celery(settings)
    try:
        replies = app.control.ping(timeout=timeout)
    finally:
        app.close()
    suffix = f"@{socket.gethostname()}"
    return sorted(name for reply in replies for name in reply
                  if name.startswith(f"{role}-" if role == "worker" else f"{role}@") and name.endswith(suffix))
