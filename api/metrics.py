"""HTTP metrics per route template, and the gauges read from the catalog and index at scrape time.

Requests are labelled by the route's template (``/api/v1/documents/{document_id}``), never by the
raw path: a path may carry an owner ID, and one label per document would swamp Prometheus.
"""
from __future__ import annotations

import time
from collections.abc import Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from catalog import outbox
from catalog.documents import DEAD_LETTER
from catalog.models import Document, DocumentStatus
from catalog.records_models import FixityRun
from core import metrics
from ingest.services import Services
from records.signing_backlog import pending_counts

UNMATCHED = "unmatched"
FIXITY_PROBLEMS = ("missing", "altered", "orphans", "unreadable")


def route_template(scope: Scope) -> str:
    """The template of the route ``scope`` matched (the router records it in the scope), or
    ``unmatched`` (404s, bots' probes)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


class RequestMetrics:
    """Counts and times every HTTP request (pure ASGI: streamed responses are timed to the end)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_counted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_counted)
        finally:
            route, method = route_template(scope), scope["method"]
            metrics.HTTP_REQUESTS.labels(method, route, str(status)).inc()
            metrics.HTTP_SECONDS.labels(method, route).observe(time.perf_counter() - started)


class CatalogGauges(Collector):
    """What the catalog and the index say now; the same from any process, so never summed."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self.services.db.session() as s:
            by_status = dict(s.execute(select(Document.status, func.count()).group_by(Document.status)).all())
            dead = s.scalar(select(func.count()).select_from(Document).where(
                Document.status == DocumentStatus.failed.value, Document.error_code == DEAD_LETTER))
            last_fixity = s.scalars(select(FixityRun).where(FixityRun.finished_at.is_not(None))
                                    .order_by(FixityRun.finished_at.desc()).limit(1)).first()
            outbox_counts = outbox.counts(s)
            unsigned = pending_counts(s) if self.services.signing_key is not None else None
        documents = GaugeMetricFamily("sohoa_documents", "Documents in the catalog, by status", labels=["status"])
        for status in DocumentStatus:
            documents.add_metric([status.value], by_status.get(status.value, 0))
        yield documents
        yield GaugeMetricFamily("sohoa_queue_depth", "Accepted documents waiting for a worker",
                                value=by_status.get(DocumentStatus.pending.value, 0))
        yield GaugeMetricFamily("sohoa_dead_letters_waiting", "Dead letters not yet sent back (admin/dead-letters)",
                                value=dead or 0)
        yield GaugeMetricFamily("sohoa_outbox_backlog", "Sync records not yet delivered to the national portal "
                                "(pending or to be retried)", value=outbox_counts["pending"] + outbox_counts["failed"])
        yield GaugeMetricFamily("sohoa_outbox_dead", "Sync records given up on (admin/sync-outbox re-queues them)",
                                value=outbox_counts["dead"])
        if unsigned is not None:  # without a key nothing is ever signed: no backlog to watch
            pending = GaugeMetricFamily("sohoa_signatures_pending", "Approved papers (component) and issued results "
                                        "(result) without a signed copy yet (sohoa sign pending)", labels=["kind"])
            for kind, n in unsigned.items():
                pending.add_metric([kind], n)
            yield pending
        indexed = self.services.index.count()
        ready = by_status.get(DocumentStatus.ready.value, 0)
        yield GaugeMetricFamily("sohoa_index_documents", "Documents in the search index", value=indexed)
        yield GaugeMetricFamily("sohoa_index_lag_documents",
                                "Ready documents the search index does not have (sohoa reindex rebuilds it)",
                                value=max(ready - indexed, 0))
        if last_fixity is not None:
            yield GaugeMetricFamily("sohoa_fixity_last_run_timestamp_seconds", "When the last fixity run finished",
                                    value=last_fixity.finished_at.timestamp())
            completed = GaugeMetricFamily("sohoa_fixity_last_run_completed",
                                          "1 if the last fixity run went through every object")
            completed.add_metric([], 1 if last_fixity.state == "completed" else 0)
            yield completed
            problems = GaugeMetricFamily("sohoa_fixity_last_run_problems", "Problems the last fixity run found",
                                         labels=["problem"])
            for name in FIXITY_PROBLEMS:
                problems.add_metric([name], getattr(last_fixity, name))
            yield problems


def scrape(services: Services) -> bytes:
    gauges = CollectorRegistry(auto_describe=False)
    gauges.register(CatalogGauges(services))
    return metrics.exposition(gauges)
