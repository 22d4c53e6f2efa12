"""The scale-out task queue: Celery on Redis, running the same document handler as the
in-process pool, in ``sohoa worker`` processes (sohoa/worker.py) that bind their own handlers.

Nothing is lost, nothing is done twice:

* the catalog is the source of truth: a document is pending/processing until a worker has
  stored, indexed and marked it ready; ``pipeline.process`` is idempotent;
* tasks are acknowledged late (after they ran), so a worker killed mid-document leaves its
  message unacknowledged and Redis delivers it again after ``task_visibility_timeout_s``;
* while a worker works on a document it holds the document's *lease* in Redis, renewed by a
  heartbeat; a second delivery of a document someone holds is dropped, so two workers never
  OCR one document at once; a killed worker's lease lapses after ``task_lease_s``;
* each submitted document also leaves a *queued* marker; recovery (at every start and from
  beat every ``recovery_interval_s``) queues again unfinished documents that have neither, i.e.
  whose message was lost (broker down when the API submitted, Redis data lost) or whose worker
  died;
* errors while processing count attempts in the catalog and retry with exponential backoff
  (``pipeline.retry_delay``); after ``MAX_ATTEMPTS`` the document is a dead letter (failed,
  error ``dead_letter``), listed in the API for archivists. Infrastructure errors before a
  document is claimed (catalog unreachable) are retried by Celery with exponential backoff.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import redis
import sqlalchemy.exc
from celery import Celery
from kombu.exceptions import OperationalError as BrokerError

from core.settings import Settings

log = logging.getLogger(__name__)

PROCESS_DOCUMENT = "sohoa.process_document"
RECOVER = "sohoa.recover"
SCHEDULED_JOB = "sohoa.scheduled_job"
SCHEDULED_JOBS = {"fixity": "fixity_every_hours", "retention_review": "retention_review_every_hours",
                  "audit_checkpoint": "audit_checkpoint_every_minutes", "portal_sync": "portal_sync_every_minutes",
                  "sign_pending": "sign_pending_every_minutes"}
"""The records-management jobs of ``sohoa.scheduler`` (by name) and the setting of each one's interval."""
OCR_QUEUE = "ocr"
MAINTENANCE_QUEUE = "maintenance"
QUEUED_PREFIX = "sohoa:queued:"
LEASE_PREFIX = "sohoa:lease:"
QUEUED_TTL_S = 24 * 3600  # a marker outliving its message delays recovery by this much at most

TRANSIENT_ERRORS = (
    sqlalchemy.exc.OperationalError,  # catalog down, connection dropped, failover
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,  # connection pool exhausted
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    ConnectionError,
    TimeoutError,
)


def make_celery(settings: Settings, queue: CeleryQueue | None = None) -> Celery:
    """A Celery app on the broker the settings name, with the sohoa tasks and beat schedule.
    Workers run its tasks through ``queue`` (the leases) and the handlers they bind."""
    visibility = int(settings.task_visibility_timeout_s)
    app = Celery("sohoa", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,  # acknowledge after the task ran: a killed worker's task comes back
        task_reject_on_worker_lost=True,  # prefork pool: a killed child's task is re-queued, not failed
        worker_prefetch_multiplier=1,  # OCR tasks are long: never hoard messages other workers could run
        task_routes={PROCESS_DOCUMENT: {"queue": OCR_QUEUE}},
        task_default_queue=MAINTENANCE_QUEUE,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": visibility,
            # how often workers look for messages whose worker died (kombu's Redis transport)
            "unacked_restore_interval": max(1, min(10, visibility // 4)),
            "unacked_restore_throttle": 1,
        },
        timezone="Asia/Ho_Chi_Minh",
        beat_schedule=beat_schedule(settings),
    )
    app.sohoa_handlers = None  # WorkerHandlers, bound by `sohoa worker`
    _register_tasks(app, queue)
    return app


def beat_schedule(settings: Settings) -> dict[str, dict]:
    """What ``sohoa beat`` sends: the recovery sweep, and the jobs the embedded service runs in
    its own scheduler thread (fixity check, retention review), at the same intervals (0 = off).
    Beat keeps its last runs in ``data_dir/celerybeat-schedule``, so restarts do not reset them."""
    schedule: dict[str, dict] = {"recover-unfinished": {"task": RECOVER, "schedule": settings.recovery_interval_s}}
    for job, interval in SCHEDULED_JOBS.items():
        value = getattr(settings, interval)
        every = timedelta(minutes=value) if interval.endswith("_minutes") else timedelta(hours=value)
        if value > 0 and (job != "portal_sync" or settings.portal_url):  # no portal: the records wait
            schedule[job] = {"task": SCHEDULED_JOB, "args": (job,), "schedule": every}
    return schedule


@dataclass
class WorkerHandlers:
    """What a worker process runs for each task: bound by ``sohoa worker`` to its own services."""

    process: Callable[[str], None]
    """Process one document (idempotent)."""
    recover: Callable[[], list[str]]
    """Queue again unfinished documents nobody holds; return them."""
    run_job: Callable[[str], object]
    """Run the scheduled records job of that name; return its summary."""
    stopping: threading.Event
    """Set when the worker shuts down: a document cut short by it is queued again."""


def _handlers(app: Celery) -> WorkerHandlers:
    handlers = app.sohoa_handlers
    if handlers is None:
        raise RuntimeError("sohoa tasks run in `sohoa worker`, which binds the worker's handlers")
    return handlers


def _register_tasks(app: Celery, queue: CeleryQueue | None) -> None:
    @app.task(name=PROCESS_DOCUMENT, autoretry_for=TRANSIENT_ERRORS, retry_backoff=2, retry_backoff_max=600,
              retry_jitter=True, max_retries=12)
    def process_document(document_id: str) -> None:
        handlers = _handlers(app)
        if queue is None:
            raise RuntimeError("documents are processed on a CeleryQueue's app, which holds their leases")
        with queue.lease(document_id) as held:
            queue.delivered(document_id)
            if not held:
                log.info("document %s is being processed by another worker; dropping this delivery", document_id)
                return
            handlers.process(document_id)
        if handlers.stopping.is_set():  # a shutdown cut it short and handed it back: queue it now
            queue.submit(document_id)

    @app.task(name=RECOVER)
    def recover() -> int:
        return len(_handlers(app).recover())

    @app.task(name=SCHEDULED_JOB)
    def scheduled_job(name: str) -> None:
        log.info("scheduled job %s: %s", name, _handlers(app).run_job(name))


class Lease:
    """A document's lease in Redis: held while a worker processes it, renewed by a heartbeat."""

    def __init__(self, client: redis.Redis, document_id: str, ttl: float) -> None:
        self._lock = client.lock(LEASE_PREFIX + document_id, timeout=ttl, blocking=False, thread_local=False)
        self._ttl = ttl
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None

    def acquire(self) -> bool:
        if not self._lock.acquire(blocking=False):
            return False
        self._heartbeat = threading.Thread(target=self._renew, name="lease-heartbeat", daemon=True)
        self._heartbeat.start()
        return True

    def _renew(self) -> None:
        while not self._stop.wait(self._ttl / 3):
            try:
                self._lock.reacquire()
            except redis.exceptions.RedisError as exc:
                log.warning("lease %s could not be renewed (%s): another worker may take over", self._lock.name, exc)
                return

    def release(self) -> None:
        self._stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join()
        try:
            self._lock.release()
        except redis.exceptions.RedisError:  # lapsed (and maybe taken over) meanwhile: nothing to free
            pass


class CeleryQueue:
    """TaskQueue over Celery/Redis. In the API it only sends; in ``sohoa worker`` its app runs the
    tasks too (and ``pipeline.process`` sends retries through it)."""

    def __init__(self, settings: Settings) -> None:
        self.app = make_celery(settings, self)
        self.redis = redis.Redis.from_url(settings.broker_url)
        self.recovery_grace_s = settings.recovery_grace_s
        self.lease_s = settings.task_lease_s
        self._closed = False

    def submit(self, document_id: str, *, delay: float = 0.0) -> None:
        """Queue a document. If the broker is down the document stays pending in the catalog and
        recovery queues it later, so the caller's work (an accepted upload) still stands."""
        marker = QUEUED_PREFIX + document_id
        try:
            # The marker first: a worker may take the task and clear the marker at once.
            self.redis.set(marker, str(time.time()), ex=QUEUED_TTL_S)
            self.app.send_task(PROCESS_DOCUMENT, args=[document_id], countdown=delay if delay > 0 else None,
                               queue=OCR_QUEUE)
        except (BrokerError, redis.exceptions.RedisError) as exc:
            log.error("could not queue document %s (%s); recovery will queue it", document_id, exc)
            try:
                self.redis.delete(marker)
            except redis.exceptions.RedisError:  # then recovery waits for the marker to expire
                pass

    def requeue(self, document_ids: Sequence[str]) -> list[str]:
        submitted = []
        try:
            for document_id in document_ids:
                if self.redis.exists(QUEUED_PREFIX + document_id, LEASE_PREFIX + document_id):
                    continue
                self.submit(document_id)
                submitted.append(document_id)
        except redis.exceptions.RedisError as exc:  # the next start or beat sweep tries again
            log.error("could not re-queue unfinished documents (%s)", exc)
        return submitted

    @contextmanager
    def lease(self, document_id: str) -> Iterator[bool]:
        lease = Lease(self.redis, document_id, self.lease_s)
        held = lease.acquire()
        try:
            yield held
        finally:
            if held:
                lease.release()

    def delivered(self, document_id: str) -> None:
        """A message of the document reached a worker, which holds its lease or drops the
        message because another worker does: either way it is no longer waiting in the queue."""
        self.redis.delete(QUEUED_PREFIX + document_id)

    def ping(self) -> None:
        self.redis.ping()

    def in_flight(self) -> int:
        """Documents queued or being processed, by their markers and leases."""
        return sum(1 for prefix in (QUEUED_PREFIX, LEASE_PREFIX) for _ in self.redis.scan_iter(prefix + "*"))

    def wait_idle(self, timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.in_flight():
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(0.2)
        return True

    def close(self, wait: bool = True) -> None:
        if self._closed:
            return
        self._closed = True
        self.redis.close()
        self.app.close()
