"""Delivering the outbox's sync records to the national public-service portal.

The domain side is :class:`PortalClient`: deliver one record under its idempotency key, or raise
:class:`DeliveryFailed` saying whether trying again can help. :class:`HttpPortalClient` POSTs the
record as JSON with an ``Idempotency-Key`` header; ``sohoa/services.py`` picks it by the scheme of
``SOHOA_PORTAL_URL`` (no URL: no client, the records wait in the outbox).

:func:`drain` is the sender: it claims due rows (catalog/outbox.py), delivers each outside any
transaction and settles it: a 2xx is sent; a timeout, a refused connection, 408, 425, 429 or a 5xx
is tried again after a back-off that doubles (``portal_backoff_s``); any other answer, or the
``portal_max_attempts``-th failure, makes it dead (an admin may queue it again). A sender that dies
mid-delivery leaves its rows claimed until their lease ends; the next sender delivers them again
under the same key, which the portal uses to recognise a record it already has.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

import httpx

from catalog import outbox
from catalog.portal_record import with_base
from core import metrics
from core.clock import utcnow
from ingest.services import Services

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({408, 425, 429})
BATCH = 20


class DeliveryFailed(Exception):
    def __init__(self, reason: str, *, final: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        """A short code (``http_503``, ``timeout``): what goes into the outbox row and the log."""
        self.final = final
        """True when trying again cannot help (the portal refused the record itself)."""


class PortalClient(Protocol):
    def deliver(self, record: Mapping[str, Any], idempotency_key: str) -> None:
        """Deliver one sync record; raise :class:`DeliveryFailed` when it was not taken."""

    def close(self) -> None: ...


class HttpPortalClient:
    """POST {url} with the record as JSON, ``Idempotency-Key`` and (when set) a bearer token."""

    def __init__(self, url: str, *, token: str = "", timeout: float = 10.0) -> None:
        self.url = url
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(timeout=timeout, headers=headers, follow_redirects=False)

    def deliver(self, record: Mapping[str, Any], idempotency_key: str) -> None:
        try:
            response = self._http.post(self.url, json=record, headers={"Idempotency-Key": idempotency_key})
        except httpx.TimeoutException:
            raise DeliveryFailed("timeout") from None
        except httpx.TransportError as exc:
            raise DeliveryFailed(f"transport_{type(exc).__name__}") from None
        status = response.status_code
        if 200 <= status < 300:
            return
        raise DeliveryFailed(f"http_{status}", final=not (status >= 500 or status in RETRYABLE_STATUS))

    def close(self) -> None:
        self._http.close()


def open_portal_client(url: str, *, token: str = "", timeout: float = 10.0) -> PortalClient | None:
    """The client for ``url``'s scheme; None (switched off) for an empty URL."""
    if not url:
        return None
    scheme = url.split(":", 1)[0].lower()
    if scheme in ("http", "https"):
        return HttpPortalClient(url, token=token, timeout=timeout)
    raise ValueError(f"SOHOA_PORTAL_URL: unsupported scheme {scheme!r} (use http:// or https://)")


@dataclass
class SyncRun:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    lost_claims: int = 0
    """Rows another sender took over while this one delivered them (its lease ran out)."""

    def summary(self) -> dict[str, int]:
        return {"sent": self.sent, "failed": self.failed, "dead": self.dead, "lost_claims": self.lost_claims}


def drain(services: Services, *, batch: int = BATCH, once: bool = False) -> SyncRun:
    """Deliver every due record (``once``: one batch at most); nothing when no portal is set."""
    run = SyncRun()
    client = services.portal
    if client is None:
        return run
    settings = services.settings
    lease = timedelta(seconds=settings.portal_timeout_s * batch + 60)
    started = utcnow()  # one pass: what was due when it began (a retry due later waits for the next)
    while not services.stopping.is_set():
        with services.db.session() as s:
            sender, claimed = outbox.claim(s, limit=batch, lease=lease, due_by=started)
        for row in claimed:
            error: DeliveryFailed | None = None
            try:
                client.deliver(with_base(row.payload, settings.public_url), row.idempotency_key)
            except DeliveryFailed as exc:
                error = exc
            except Exception as exc:  # noqa: BLE001 - a client bug must not strand the rows it holds
                log.warning("portal client failed on outbox row %d: %s", row.id, type(exc).__name__)
                error = DeliveryFailed(f"error_{type(exc).__name__}")
            with services.db.session() as s:
                status = outbox.settle(s, row.id, sender, error=error.reason if error else None,
                                       final=bool(error and error.final), max_attempts=settings.portal_max_attempts,
                                       backoff_s=settings.portal_backoff_s)
            _count(run, status)
        if once or not claimed:  # a full pass may have let later records of the same dossiers through
            break
    if run.sent or run.failed or run.dead:
        log.info("portal sync: %d sent, %d to retry, %d dead", run.sent, run.failed, run.dead)
    return run


def _count(run: SyncRun, status: str | None) -> None:
    if status is None:
        run.lost_claims += 1
        return
    setattr(run, status, getattr(run, status) + 1)
    metrics.PORTAL_DELIVERIES.labels(status).inc()
