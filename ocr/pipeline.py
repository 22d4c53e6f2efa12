"""``digitize``: one document in, a searchable PDF and its text out.

The run reads top-down:

1. triage     — open the file, refuse what cannot be read, find real text layers;
2. text pages — pages with a text layer are done at once, no OCR;
3. OCR pages  — the rest run concurrently on the shared :class:`~ocr.pool.PagePool`,
                one job per page (:func:`ocr.page.ocr_pages`), progress as each finishes;
4. assemble   — graft text layers, write the searchable PDF atomically;
5. report     — an :class:`~ocr.model.OcrResult` in page order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from ocr.errors import OcrError, OcrFailed
from ocr.model import OcrResult, PageText
from ocr.page import PageJob, PageOutcome, ocr_pages
from ocr.pdf import write_searchable_pdf
from ocr.pool import PagePool
from ocr.triage import Document, triage

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


def digitize(
    source: Path,
    media_type: str,
    out_pdf: Path,
    pool: PagePool,
    progress: Progress | None = None,
) -> OcrResult:
    """OCR ``source`` into a searchable PDF at ``out_pdf`` and return its text.

    ``media_type`` is application/pdf, image/jpeg, image/png or image/tiff
    (multi-page TIFF too). ``out_pdf`` is replaced atomically. ``progress(done,
    total)`` is called in this thread each time a page finishes. Raises
    :class:`~ocr.errors.UnreadableDocument` for files that cannot be read and
    :class:`~ocr.errors.OcrFailed` when OCR itself breaks; nothing else.
    """
    source, out_pdf = Path(source), Path(out_pdf)
    document = triage(source, media_type, max_image_pixels=pool.max_image_pixels)
    tracker = _Tracker(document.page_count, progress)

    pages = _text_layer_pages(document, tracker)
    outcomes = _ocr_pages(document, pool, tracker)
    write_searchable_pdf(document, outcomes, out_pdf)

    pages.update((index, outcome.page) for index, outcome in outcomes.items())
    return OcrResult([pages[i] for i in range(document.page_count)])


class _Tracker:
    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total, self.done, self._progress = total, 0, progress

    def page_done(self) -> None:
        self.done += 1
        if self._progress is not None:
            self._progress(self.done, self.total)


def _text_layer_pages(document: Document, tracker: _Tracker) -> dict[int, PageText]:
    pages = {}
    for index, text in enumerate(document.text_layers):
        if text is not None:
            pages[index] = PageText(number=index + 1, text=text, confidence=None, source="text-layer")
            tracker.page_done()
    return pages


def _ocr_pages(document: Document, pool: PagePool, tracker: _Tracker) -> dict[int, PageOutcome]:
    """Submit the pages needing OCR, collect them as they finish; on any failure cancel the rest.

    One job per page: a warm worker has no start-up to share between pages, and single
    pages let a worker slowed by other load leave the remaining pages to the others.
    """
    source = str(document.source)
    futures: dict[Future[list[PageOutcome]], int] = {
        pool.submit(ocr_pages, PageJob(source, document.kind, (index,), pool.lang, pool.dpi)): index
        for index in document.pages_to_ocr
    }
    outcomes: dict[int, PageOutcome] = {}
    try:
        for future in as_completed(futures):
            [outcomes[futures[future]]] = _result(future, futures[future])
            tracker.page_done()
    finally:
        for future in futures:
            future.cancel()
    return outcomes


def _result(future: Future[list[PageOutcome]], index: int) -> list[PageOutcome]:
    """The page's outcome; whatever went wrong in the worker leaves here as an :class:`OcrError`."""
    page = f"page {index + 1}"
    try:
        return future.result()
    except OcrError:
        raise
    except BrokenProcessPool as exc:
        raise OcrFailed(f"{page}: the OCR worker process died") from exc
    except Exception as exc:
        log.exception("OCR of %s failed unexpectedly", page)
        raise OcrFailed(f"{page}: {exc!r}") from exc
