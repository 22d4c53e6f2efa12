"""The life of one page that needs OCR; runs inside a :class:`ocr.PagePool` worker.

    load → deskew → recognise once → (only if that looks wrong: OSD, turn, recognise again)
    → encode the page image if it changed or came from an image file

A page goes to Tesseract exactly once on the normal path. Orientation detection
costs about half a recognition, so it runs only when the first recognition has
low confidence, which is what a sideways or upside-down page produces, or when
the word boxes stand upright (a sideways page Tesseract read along vertical lines).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from PIL import Image

from ocr import raster, tesseract, textpdf
from ocr.model import PageText, Word
from ocr.skew import estimate_skew, needs_straightening, straighten

LOW_CONFIDENCE = 60.0  # upright text scores 80-96 even on noisy scans; turned pages ~40
MIN_OSD_CONFIDENCE = 2.0
WORSE_BY = 5.0  # confidence points


@dataclass(frozen=True)
class PageJob:
    source: str
    kind: Literal["pdf", "image"]
    index: int  # 0-based page (PDF) or frame (image file)
    lang: str
    dpi: int


@dataclass(frozen=True)
class PageOutcome:
    page: PageText
    text_layer: bytes  # content stream of the invisible text (ocr.textpdf), in points
    layer_size: tuple[float, float]  # width, height in points of the image the layer belongs to
    image_pdf: bytes | None  # one-page PDF of the processed image; None: keep the original PDF page


@dataclass(frozen=True)
class _Attempt:
    """One recognition of the page as turned by ``rotation`` and straightened by ``skew``."""

    rotation: int
    skew: float
    image: Image.Image  # what Tesseract read: gray, upright, straightened
    result: tesseract.Recognition

    @property
    def score(self) -> float:
        return -1.0 if self.result.confidence is None else self.result.confidence


def ocr_page(job: PageJob) -> PageOutcome:
    """OCR one page: its text, words, invisible text layer and (if needed) a new page image."""
    source, dpi, exif_turn, jpeg = _load(job)
    gray = source if source.mode == "L" else source.convert("L")
    best = _recognise(gray, 0, job, dpi)
    if best.score < LOW_CONFIDENCE or _sideways(best.result.words):
        best = _try_orientation(gray, best, job, dpi)

    rotation = (exif_turn + best.rotation) % 360
    page = PageText(
        number=job.index + 1,
        text=best.result.text,
        confidence=best.result.confidence,
        source="ocr",
        rotation=rotation,
        skew=best.skew,
        words=best.result.words,
    )
    read = best.image
    layer = textpdf.text_layer(best.result.lines, read.height, dpi)
    size = (read.width * 72 / dpi, read.height * 72 / dpi)
    return PageOutcome(page, layer, size, _page_image_pdf(job, source, dpi, jpeg, best))


def _page_image_pdf(job: PageJob, source: Image.Image, dpi: int, jpeg: bytes | None, best: _Attempt) -> bytes | None:
    """The page image to show under the text; None keeps the original PDF page.

    A turned or straightened page is shown as Tesseract read it when the page is
    gray anyway (most scans), which saves turning a colour copy.
    """
    changed = best.rotation != 0 or best.skew != 0.0
    if not changed:
        return None if job.kind == "pdf" else raster.image_page_pdf(source, dpi, jpeg)
    if job.kind == "pdf":
        if raster.pdf_page_is_gray(job.source, job.index):
            return raster.image_page_pdf(best.image, dpi)
        source = raster.render_pdf_page(job.source, job.index, dpi, color=True)
    elif source.mode != "RGB" or raster.is_grayish(source):
        return raster.image_page_pdf(best.image, dpi)
    return raster.image_page_pdf(_upright(source, best.rotation, best.skew), dpi)


def _load(job: PageJob) -> tuple[Image.Image, int, int, bytes | None]:
    """The page image, its dpi, the EXIF turn already applied, and a JPEG to pass through."""
    if job.kind == "pdf":
        dpi = raster.fit_dpi(*raster.pdf_page_size(job.source, job.index), job.dpi)
        return raster.render_pdf_page(job.source, job.index, dpi), dpi, 0, None
    frame = raster.load_frame(job.source, job.index)
    return frame.image, frame.dpi, frame.rotation, frame.jpeg


def _recognise(gray: Image.Image, rotation: int, job: PageJob, dpi: int) -> _Attempt:
    skew = estimate_skew(gray)
    if needs_straightening(skew):
        gray = straighten(gray, skew)
    else:
        skew = 0.0
    return _Attempt(rotation, skew, gray, tesseract.recognize(raster.binarize(gray), lang=job.lang, dpi=dpi))


def _sideways(words: tuple[Word, ...]) -> bool:
    """Tesseract reads some sideways pages well (vertical text lines), leaving the image sideways:
    their word boxes are taller than wide."""
    long_words = [w for w in words if len(w.text) >= 4]
    return len(long_words) >= 3 and sum(w.height > w.width for w in long_words) > len(long_words) / 2


def _try_orientation(gray: Image.Image, first: _Attempt, job: PageJob, dpi: int) -> _Attempt:
    """Ask OSD whether the page is turned; if so, recognise it upright and keep the better reading."""
    osd = tesseract.detect_orientation(gray, dpi=dpi)
    if osd is None or osd.rotate == 0 or osd.confidence < MIN_OSD_CONFIDENCE:
        return first
    second = _recognise(_turn(gray, osd.rotate), osd.rotate, job, dpi)
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


