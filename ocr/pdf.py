"""Assemble the searchable PDF and write it atomically.

Every OCR'd page gets its invisible text layer (:mod:`ocr.textpdf`) grafted on
top as a Form XObject scaled to the page's crop box, as OCRmyPDF grafts; qpdf
undoes the page's /Rotate so the text lands where the rendered image showed it.
The page underneath is the original PDF page when we did not turn or deskew it
(no re-encoding, no growth), else a new page with the processed image. Pages
with a real text layer are kept untouched; a PDF needing no OCR at all is
copied byte for byte.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import BinaryIO

import pikepdf

from ocr import archival, textpdf
from ocr.errors import CorruptDocument
from ocr.page import PageOutcome
from ocr.triage import Document


def write_searchable_pdf(document: Document, outcomes: Mapping[int, PageOutcome], out_pdf: Path) -> None:
    """Write ``document`` with ``outcomes`` (OCR'd pages by 0-based index) to ``out_pdf``."""
    if not outcomes:
        with document.source.open("rb") as src:
            _atomic_write(out_pdf, lambda f: shutil.copyfileobj(src, f, 1 << 20))
        return
    try:
        # qpdf copies stream data from the per-page PDFs lazily, at save: keep them open till then.
        with ExitStack() as parts:
            pdf = parts.enter_context(pikepdf.open(document.source) if document.kind == "pdf" else pikepdf.new())
            font = textpdf.add_font(pdf)
            for index in sorted(outcomes):
                outcome = outcomes[index]
                if outcome.image_pdf is not None:
                    _put_image_page(pdf, index, parts.enter_context(_open(outcome.image_pdf)))
                if outcome.page.words:
                    _graft_text(pdf, index, outcome, font)
            ours = document.kind != "pdf" or all(
                i in outcomes and outcomes[i].image_pdf is not None for i in range(len(pdf.pages)))
            archival.make_archival(pdf, claim=ours)
            _atomic_write(out_pdf, lambda f: pdf.save(f, min_version=archival.PDF_VERSION))
    except pikepdf.PdfError as exc:
        raise CorruptDocument(str(exc)) from exc


def _open(data: bytes) -> pikepdf.Pdf:
    return pikepdf.open(io.BytesIO(data))


def _put_image_page(pdf: pikepdf.Pdf, index: int, image_pdf: pikepdf.Pdf) -> None:
    """Put the processed image page at ``index``, replacing the original page if there is one."""
    if index < len(pdf.pages):
        pdf.pages[index] = image_pdf.pages[0]
    else:
        pdf.pages.append(image_pdf.pages[0])


def _graft_text(pdf: pikepdf.Pdf, index: int, outcome: PageOutcome, font: pikepdf.Object) -> None:
    page = pdf.pages[index]
    form = textpdf.text_form(pdf, outcome.text_layer, *outcome.layer_size, font)
    page.add_overlay(form, pikepdf.Rectangle(page.cropbox))


def _atomic_write(target: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write through a temporary file in the target's directory, fsync, then rename over the target.

    A reader (or a worker restarted after a crash) sees the old file or the
    whole new one, never half a PDF.
    """
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
