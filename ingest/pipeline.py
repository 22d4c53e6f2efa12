"""The document pipeline a worker runs: original → OCR → searchable PDF + text → catalog → index.

Every step is idempotent (derived objects have fixed keys, the index upserts, the catalog write
replaces pages), so a document interrupted anywhere is simply run again from the top.
"""
from __future__ import annotations

import hashlib
import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from catalog import documents as docs
from catalog.indexing import load_indexed
from core import metrics
from ingest.coding import code_after_ocr
from ingest.scan_quality import record_scan_warnings
from ingest.services import Services
from ocr import OcrResult, digitize
from ocr.errors import UnreadableDocument
from ocr.resolution import LOW_RESOLUTION_DPI, page_resolutions
from records.fixity import record_checksum
from records.signatures import PIPELINE, sign_issued_result_or_leave

log = logging.getLogger(__name__)

BELOW_200_DPI = "below_200_dpi"  # Decree 30/2020 Art. 25 asks for at least 200 dpi
MAX_RETRY_DELAY_S = 3600.0
PROGRESS_INTERVAL_S = 0.5


def retry_delay(first: float, attempts: int) -> float:
    """Exponential backoff: ``first`` after the first failed attempt, doubling after each."""
    return min(first * 2 ** max(attempts - 1, 0), MAX_RETRY_DELAY_S)


def process(services: Services, document_id: str) -> None:
    with services.db.session() as s:
        document = docs.claim(s, document_id)
        if document is None:
            return
        job = (document.original_key, document.media_type, document.pdf_key, document.text_key)
    original_key, media_type, pdf_key, text_key = job
    try:
        with tempfile.TemporaryDirectory(dir=services.tmp_dir, prefix=f"doc-{document_id}-") as tmp:
            source = Path(tmp) / "original"
            services.store.download(original_key, source)
            searchable = Path(tmp) / "searchable.pdf"
            started = time.monotonic()
            result = digitize(source, media_type, searchable, services.pool,
                              progress=_progress_writer(services, document_id))
            min_dpi = _lowest_resolution(searchable, result)
            pdf_sum = (pdf_key, _file_sha256(searchable), searchable.stat().st_size)
            services.store.put_file(pdf_key, searchable, sha256=pdf_sum[1], content_type="application/pdf")
        text = result.text.encode("utf-8")
        services.store.put_bytes(text_key, text, content_type="text/plain; charset=utf-8")
        _finish(services, document_id, result, [pdf_sum, (text_key, hashlib.sha256(text).hexdigest(), len(text))],
                min_dpi)
        _count_pages(result, time.monotonic() - started)
    except UnreadableDocument as exc:
        with services.db.session() as s:
            docs.fail(s, document_id, exc.code, exc.message)
    except Exception as exc:
        if services.stopping.is_set():
            with services.db.session() as s:
                docs.release(s, document_id)
            return
        with services.db.session() as s:
            document = s.get(docs.Document, document_id)
            attempts = document.attempts if document is not None else docs.MAX_ATTEMPTS
            if document is not None and attempts >= docs.MAX_ATTEMPTS:
                docs.dead_letter(s, document_id, type(exc).__name__)
        if attempts >= docs.MAX_ATTEMPTS:
            metrics.DEAD_LETTERS.inc()
            log.exception("processing %s failed %d times: dead letter", document_id, attempts)
            return
        delay = retry_delay(services.settings.retry_delay_s, attempts)
        metrics.DOCUMENT_RETRIES.inc()
        log.warning("processing %s failed (attempt %d, %s); retrying in %.1fs", document_id, attempts,
                    type(exc).__name__, delay, exc_info=True)
        services.queue.submit(document_id, delay=delay)


def _lowest_resolution(searchable: Path, result: OcrResult) -> float | None:
    """The lowest effective dpi of the scanned (OCR'd) pages; born-digital pages have none."""
    scanned = [dpi for dpi, page in zip(page_resolutions(searchable), result.pages, strict=False)
               if page.source == "ocr" and dpi is not None]
    return min(scanned, default=None)


def _note_resolution(document: docs.Document, min_dpi: float | None) -> None:
    """Record the lowest resolution; below 200 dpi a warning the counter sees (a re-run that
    measures again replaces it)."""
    document.min_dpi = min_dpi
    low = min_dpi is not None and min_dpi < LOW_RESOLUTION_DPI
    kept = [w for w in document.warnings or [] if w != BELOW_200_DPI]
    document.warnings = [*kept, BELOW_200_DPI] if low else kept


def _finish(services: Services, document_id: str, result: OcrResult,
            derived: list[tuple[str, str, int]], min_dpi: float | None) -> None:
    pages = [docs.PageRecord(p.number, p.text, p.confidence, p.source, p.rotation, p.skew)
             for p in result.pages]
    # Index before the catalog says "ready": a crash in between re-runs the document, and the
    # upsert makes the second indexing harmless; the reverse order could leave a ready,
    # unsearchable document.
    code_after_ocr(services, document_id, result.pages)  # type, fields, digitization code
    with services.db.session() as s:
        indexed = load_indexed(s, document_id)
    services.index.upsert([replace(indexed, text=result.text, status="ready")])
    with services.db.session() as s:
        document = docs.complete(s, document_id, pages, result.mean_confidence)
        record_scan_warnings(document, result.warnings)
        _note_resolution(document, min_dpi)
        for key, sha256, size in derived:  # fixity baselines, recorded with the write (a re-run replaces them)
            record_checksum(s, key, sha256, size, "pipeline")
    _sign_result(services, document_id)


def _sign_result(services: Services, document_id: str) -> None:
    """An issued result is signed once digitized; a failure leaves it unsigned (the document stays
    ready: its OCR is not redone for a token that was unplugged)."""
    with services.db.session() as s:
        sign_issued_result_or_leave(services, s, s.get(docs.Document, document_id), PIPELINE)


def _count_pages(result: OcrResult, seconds: float) -> None:
    for page in result.pages:
        metrics.OCR_PAGES.labels(page.source).inc()
        if page.source == "ocr" and page.confidence is not None:
            metrics.OCR_CONFIDENCE.observe(page.confidence)
    if result.pages:
        metrics.OCR_PAGE_SECONDS.observe(seconds / len(result.pages))


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _progress_writer(services: Services, document_id: str) -> Callable[[int, int], None]:
    last = 0.0

    def write(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if done == total or now - last >= PROGRESS_INTERVAL_S:
            last = now
            with services.db.session() as s:
                docs.record_progress(s, document_id, done, total)

    return write
