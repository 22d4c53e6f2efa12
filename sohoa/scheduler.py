"""The in-process schedule of the embedded default: fixity checks, retention reviews, audit
checkpoints and signing what failed to sign at fixed intervals, the national portal's outbox at
every tick (when a portal is configured), in one background thread; disposal batches a killed
process left executing are finished as soon as the service starts.

When is a job due? When its last run, as the catalog remembers it, is older than its interval —
so restarting the service neither skips a job nor runs it twice. With a broker (Celery), beat
calls the same plain functions (``run_fixity_check``, ``review_retention``, ``resume_disposals``)
and this thread is not started.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from catalog.audit import Actor
from core.clock import utcnow
from ingest.services import Services

log = logging.getLogger(__name__)

SYSTEM = Actor("system:scheduler", "admin", None, "local")


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[Services], object]
    last_run: Callable[[Services], datetime | None]


def _last_fixity(services: Services) -> datetime | None:
    from records.fixity import last_run_started

    with services.db.session() as s:
        return last_run_started(s)


def _last_review(services: Services) -> datetime | None:
    from records.retention import latest_review

    with services.db.session() as s:
        review = latest_review(s)
        return review.at if review else None


def _fixity(services: Services) -> object:
    from records.fixity import run_fixity_check

    return run_fixity_check(services, "schedule", SYSTEM.username)


def _review(services: Services) -> object:
    from records.retention import review_retention

    return review_retention(services, "schedule")


def resume_interrupted(services: Services) -> object:
    from records.disposal import resume_disposals

    return resume_disposals(services, SYSTEM)


def _checkpoint(services: Services) -> object:
    from records.audit_anchor import write_checkpoint

    return write_checkpoint(services)


def _last_checkpoint(services: Services) -> datetime | None:
    from records.audit_anchor import last_checkpoint_at

    return last_checkpoint_at(services)


def _portal_sync(services: Services) -> object:
    from ingest.portal import drain

    return drain(services).summary()


def _always_due(services: Services) -> datetime | None:
    """The outbox is drained at every tick: what is not yet due waits in its rows' next_attempt_at."""
    return None
def _sign_pending(services: Services) -> object:
    """Issued results whose signing failed (token unplugged, TSA down) are tried again; papers
    approved unsigned are left to ``sohoa sign pending`` (an archivist's decision)."""
    from records.signing_backlog import sign_pending

    return sign_pending(services, SYSTEM, kinds=("result",))


def _last_sign_pending(services: Services) -> datetime | None:
    from records.signing_backlog import last_run

    with services.db.session() as s:
        return last_run(s, SYSTEM.username)


def default_jobs(services: Services) -> list[Job]:
    settings = services.settings
    jobs = [Job("fixity", timedelta(hours=settings.fixity_every_hours), _fixity, _last_fixity),
            Job("retention_review", timedelta(hours=settings.retention_review_every_hours), _review, _last_review),
            Job("audit_checkpoint", timedelta(minutes=settings.audit_checkpoint_every_minutes), _checkpoint,
                _last_checkpoint)]
    if services.portal is not None:  # no portal configured: the sync records wait in the outbox
        jobs.append(Job("portal_sync", timedelta(minutes=settings.portal_sync_every_minutes), _portal_sync,
                        _always_due))
    if services.signing_key is not None:  # nothing to sign with: no such job
        jobs.append(Job("sign_pending", timedelta(minutes=settings.sign_pending_every_minutes), _sign_pending,
                        _last_sign_pending))
    return [j for j in jobs if j.every > timedelta(0)]  # an interval of 0 switches a job off


class Scheduler:
    def __init__(self, services: Services, jobs: list[Job], *, start_delay: float, poll: float = 60.0,
                 on_start: Callable[[Services], object] | None = resume_interrupted) -> None:
        self.services = services
        self.jobs = jobs
        self.start_delay = start_delay
        self.poll = poll
        self.on_start = on_start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sohoa-scheduler", daemon=True)

    def start(self) -> Scheduler:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def due(self, now: datetime | None = None) -> list[Job]:
        now = now or utcnow()
        found = []
        for job in self.jobs:
            last = job.last_run(self.services)
            if last is None or last + job.every <= now:
                found.append(job)
        return found

    def run_due(self, now: datetime | None = None) -> list[str]:
        """Run every due job once, in order; one failing job does not stop the others."""
        ran = []
        for job in self.due(now):
            if self._stopping():
                break
            try:
                job.run(self.services)
                ran.append(job.name)
            except Exception:
                log.exception("scheduled job %s failed", job.name)
        return ran

    def _stopping(self) -> bool:
        return self._stop.is_set() or self.services.stopping.is_set()

    def _loop(self) -> None:
        if self.on_start is not None:
            try:
                self.on_start(self.services)
            except Exception:
                log.exception("start-up job failed")
        if self._stop.wait(self.start_delay):
            return
        while not self._stopping():
            self.run_due()
            self._stop.wait(self.poll)


def start_scheduler(services: Services) -> Scheduler:
    return Scheduler(services, default_jobs(services), start_delay=services.settings.scheduler_start_delay_s).start()
