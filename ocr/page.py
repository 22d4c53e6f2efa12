"""The life of the pages that need OCR; runs inside a :class:`ocr.PagePool` worker.

    load each page → deskew → prepare for recognition (ocr.prepare: text size, leaders)
    → one Tesseract run over the batch (each page read once)
    → per page, only if its reading looks wrong: OSD, turn, read that page again
    → encode the page image if it changed or came from an image file

A job is a small batch of pages of one document, so Tesseract's start-up (~6 %
of a page) is paid once per batch. Orientation detection costs about half a
recognition, so it runs only for a page whose first reading has low confidence
(what a sideways or upside-down page produces) or whose word boxes stand
upright (a sideways page Tesseract read along vertical lines).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from PIL import Image

from ocr import raster, tesseract, textpdf
from ocr.letterhead import read_letterhead
from ocr.model import PageText, Word
from ocr.prepare import Prepared, prepare, to_page
from ocr.quality import page_warnings
from ocr.sheet import find_sheet
from ocr.skew import estimate_skew, needs_straightening, straighten

LOW_CONFIDENCE = 60.0  # upright text scores 80-96 even on noisy scans; turned pages ~40
MIN_OSD_CONFIDENCE = 2.0
WORSE_BY = 5.0  # confidence points


@dataclass(frozen=True)
class PageJob:
    source: str
    kind: Literal["pdf", "image"]
    indexes: tuple[int, ...]  # 0-based pages (PDF) or frames (image file)
    lang: str
    dpi: int


@dataclass(frozen=True)
class PageOutcome:
    page: PageText
    text_layer: bytes  # content stream of the invisible text (ocr.textpdf), in points
    layer_size: tuple[float, float]  # width, height in points of the image the layer belongs to
    image_pdf: bytes | None  # one-page PDF of the processed image; None: keep the original PDF page


@dataclass(frozen=True)
class _Scan:
    """One loaded page, straightened for reading."""

    index: int
    source: Image.Image  # as decoded: "1", "L" or "RGB"
    dpi: int
    exif_turn: int
    jpeg: bytes | None  # the original JPEG, to show untouched if nothing changes
    gray: Image.Image  # upright per EXIF, not straightened
    straight: Image.Image
    skew: float
    prepared: Prepared  # what Tesseract reads; boxes are mapped back to ``straight``


@dataclass(frozen=True)
class _Attempt:
    """One reading of a page turned by ``rotation`` and straightened by ``skew``."""

    rotation: int
    skew: float
    image: Image.Image  # the page as read (turned, straightened), before preparation
    result: tesseract.Recognition  # boxes in ``image`` pixels
    prepared: Prepared

    @property
    def score(self) -> float:
        return -1.0 if self.result.confidence is None else self.result.confidence


def ocr_pages(job: PageJob) -> list[PageOutcome]:
    """OCR the job's pages: text, words, invisible text layer and (if needed) a new page image."""
    scans = [_load(job, index) for index in job.indexes]
    readings = _read_all(scans, job.lang)
    return [_finish(job, scan, reading) for scan, reading in zip(scans, readings, strict=True)]


def _load(job: PageJob, index: int) -> _Scan:
    if job.kind == "pdf":
        dpi = raster.fit_dpi(*raster.pdf_page_size(job.source, index), job.dpi)
        source, exif_turn, jpeg = raster.render_pdf_page(job.source, index, dpi), 0, None
    else:
        frame = raster.load_frame(job.source, index)
        source, dpi, exif_turn, jpeg = frame.image, frame.dpi, frame.rotation, frame.jpeg
    gray = source if source.mode == "L" else source.convert("L")
    return _Scan(index, source, dpi, exif_turn, jpeg, gray, *_ready(gray))


def _ready(gray: Image.Image) -> tuple[Image.Image, float, Prepared]:
    """The page as it will be shown (straightened, or as it is when a photographed sheet is
    warped square-on for reading: that squares its skew too), its skew, and its recognition image."""
    sheet = find_sheet(np.asarray(gray))
    if sheet is not None:
        return gray, 0.0, prepare(gray, sheet)
    straight, skew = _straightened(gray)
    return straight, skew, prepare(straight)


def _straightened(gray: Image.Image) -> tuple[Image.Image, float]:
    skew = estimate_skew(gray)
    return (straighten(gray, skew), skew) if needs_straightening(skew) else (gray, 0.0)


def _read_all(scans: list[_Scan], lang: str) -> list[tesseract.Recognition]:
    """One Tesseract run per resolution among the prepared pages (one for a scanned batch)."""
    readings: dict[int, tesseract.Recognition] = {}
    for dpi in {_read_dpi(scan.dpi, scan.prepared) for scan in scans}:
        group = [scan for scan in scans if _read_dpi(scan.dpi, scan.prepared) == dpi]
        images = [_for_reading(scan.source, scan.prepared, 0, scan.skew) for scan in group]
        for scan, reading in zip(group, tesseract.recognize_many(images, lang=lang, dpi=dpi), strict=True):
            readings[scan.index] = to_page(reading, scan.prepared)
    return [readings[scan.index] for scan in scans]


def _read_dpi(dpi: int, prepared: Prepared) -> int:
    return max(1, round(dpi * prepared.scale))


def _for_reading(source: Image.Image, prepared: Prepared, rotation: int, skew: float) -> Image.Image:
    """What Tesseract reads: the prepared image, or for a page left at its own size (or only
    reduced, see :mod:`ocr.prepare`) the page itself at the prepared size.

    An enlarged or warped page goes gray: on the real development set Tesseract's own
    thresholding of those read better than bilevel (word-bag error 0.18 against 0.21).
    A page left as it is (or reduced) goes as raw ``tesseract`` would read it: a colour picture in colour
    (Tesseract's thresholding of the colour channels keeps strokes our gray conversion thins:
    an ID-card expiry line read ``2028`` for ``2026`` from gray, 10 points of CER, and no
    page of ``bench/data/real`` read worse in colour), a gray scan bilevel (see
    :func:`ocr.raster.binarize`: 10 % less CPU). Enlarged or warped pages stay gray: their colour
    copies (dot leaders not erased) measured a pooled CER of 0.48 against 0.13 on the 15 pages.
    """
    if prepared.scale > 1.0 or prepared.sheet is not None:
        return prepared.image
    if source.mode == "RGB":
        page = _upright(source, rotation, skew)
        return page if prepared.scale == 1.0 else page.resize(prepared.image.size, Image.Resampling.BOX)
    return raster.binarize(prepared.image)


def _finish(job: PageJob, scan: _Scan, reading: tesseract.Recognition) -> PageOutcome:
    best = _Attempt(0, scan.skew, scan.straight, reading, scan.prepared)
    # No words at all is a blank side or a picture: OSD would find too few letters too.
    if reading.words and (best.score < LOW_CONFIDENCE or _sideways(reading.words)):
        best = _try_orientation(scan, best, job.lang)
    result = read_letterhead(best.result, *best.image.size)
    page = PageText(
        number=scan.index + 1,
        text=result.text,
        confidence=result.confidence,
        source="ocr",
        rotation=(scan.exif_turn + best.rotation) % 360,
        skew=best.skew,
        words=result.words,
        warnings=page_warnings(result.confidence, best.prepared),
    )
    layer = textpdf.text_layer(result.lines, best.image.height, scan.dpi)
    size = (best.image.width * 72 / scan.dpi, best.image.height * 72 / scan.dpi)
    return PageOutcome(page, layer, size, _page_image_pdf(job, scan, best))


def _page_image_pdf(job: PageJob, scan: _Scan, best: _Attempt) -> bytes | None:
    """The page image to show under the text; None keeps the original PDF page.

    A turned or straightened page is shown as Tesseract read it when the page is
    gray anyway (most scans), which saves turning a colour copy.
    """
    if best.rotation == 0 and best.skew == 0.0:
        return None if job.kind == "pdf" else raster.image_page_pdf(scan.source, scan.dpi, scan.jpeg)
    source = scan.source
    if job.kind == "pdf":
        if raster.pdf_page_is_gray(job.source, scan.index):
            return raster.image_page_pdf(best.image, scan.dpi)
        source = raster.render_pdf_page(job.source, scan.index, scan.dpi, color=True)
    elif source.mode != "RGB" or raster.is_grayish(source):
        return raster.image_page_pdf(best.image, scan.dpi)
    return raster.image_page_pdf(_upright(source, best.rotation, best.skew), scan.dpi)


def _sideways(words: tuple[Word, ...]) -> bool:
    """Tesseract reads some sideways pages well (vertical text lines), leaving the image sideways:
    their word boxes are taller than wide."""
    long_words = [w for w in words if len(w.text) >= 4]
    return len(long_words) >= 3 and sum(w.height > w.width for w in long_words) > len(long_words) / 2


def _try_orientation(scan: _Scan, first: _Attempt, lang: str) -> _Attempt:
    """Ask OSD whether the page is turned; if so, read it upright and keep the better reading.

    OSD looks at the prepared image, as bilevel as recognition sees it: on small print or a
    cluttered background (a receipt photographed on a mat) it cannot tell from the gray page.
    """
    osd = tesseract.detect_orientation(raster.binarize(first.prepared.image), dpi=_read_dpi(scan.dpi, first.prepared))
    if osd is None or osd.rotate == 0 or osd.confidence < MIN_OSD_CONFIDENCE:
        return first
    straight, skew, prepared = _ready(_turn(scan.gray, osd.rotate))
    image = _for_reading(scan.source, prepared, osd.rotate, skew)
    reading = tesseract.recognize(image, lang=lang, dpi=_read_dpi(scan.dpi, prepared))
    second = _Attempt(osd.rotate, skew, straight, to_page(reading, prepared), prepared)
    # OSD says the page is turned: believe it unless the upright reading is clearly worse.
    return first if second.score < first.score - WORSE_BY else second


def _turn(image: Image.Image, clockwise: int) -> Image.Image:
    transpose = {
        90: Image.Transpose.ROTATE_270,
        180: Image.Transpose.ROTATE_180,
        270: Image.Transpose.ROTATE_90,
    }
    return image.transpose(transpose[clockwise]) if clockwise else image


def _upright(image: Image.Image, rotation: int, skew: float) -> Image.Image:
    image = _turn(image, rotation)
    return straighten(image, skew) if skew else image
