"""The service's event metrics (Prometheus), counted where the events happen.

These are the counters and histograms a process accumulates as it works; what the catalog already
knows (documents by status, queue depth, dead letters waiting, index lag, the last fixity run) is
read at scrape time instead (api/metrics.py), so every process reports the same numbers.

Several processes of one service (``sohoa serve --workers N``): set ``PROMETHEUS_MULTIPROC_DIR``
to an empty directory before the processes start; prometheus-client then keeps each process's
values in a file there and :func:`exposition` adds them up.
"""
from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
PAGE_SECONDS_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0)
CONFIDENCE_BUCKETS = (10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 95.0, 100.0)

HTTP_REQUESTS = Counter("sohoa_http_requests", "HTTP requests answered, by route template and status",
                        ["method", "route", "status"])
HTTP_SECONDS = Histogram("sohoa_http_request_duration_seconds", "Time to answer an HTTP request, by route template",
                         ["method", "route"], buckets=LATENCY_BUCKETS)
UPLOAD_BYTES = Counter("sohoa_upload_bytes", "Bytes of originals accepted (validated and stored)")
UPLOAD_FILES = Counter("sohoa_upload_files", "Originals accepted, by whether the same bytes were already stored",
                       ["duplicate"])
OCR_PAGES = Counter("sohoa_ocr_pages", "Pages digitized, by source (ocr or text-layer)", ["source"])
OCR_PAGE_SECONDS = Histogram("sohoa_ocr_document_seconds_per_page",
                             "Wall time of a document's digitization divided by its pages",
                             buckets=PAGE_SECONDS_BUCKETS)
OCR_CONFIDENCE = Histogram("sohoa_ocr_page_confidence", "Tesseract's mean word confidence of an OCR'd page (0-100)",
                           buckets=CONFIDENCE_BUCKETS)
DOCUMENT_RETRIES = Counter("sohoa_document_retries", "Failed processing attempts queued again")
DEAD_LETTERS = Counter("sohoa_dead_letters", "Documents given up after their last attempt")
FIXITY_FINDINGS = Counter("sohoa_fixity_findings", "Fixity problems found, by kind", ["problem"])
FAILED_LOGINS = Counter("sohoa_failed_logins", "Password logins refused")
PORTAL_DELIVERIES = Counter("sohoa_portal_deliveries", "Sync records delivered to the national portal, by the "
                            "outbox status they reached (sent, failed, dead)", ["status"])


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def exposition(*extra: CollectorRegistry) -> bytes:
    """This service's metrics in the Prometheus text format: every process's events (summed over
    the processes sharing ``PROMETHEUS_MULTIPROC_DIR`` when it is set), then ``extra``'s."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        parts = [generate_latest(registry)]
    else:
        parts = [generate_latest(REGISTRY)]
    parts += [generate_latest(r) for r in extra]
    return b"".join(parts)
