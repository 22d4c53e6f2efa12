"""The results the ``ocr`` package returns: plain, immutable, picklable values."""

from __future__ import annotations

from dataclasses import dataclass
from statistics import fmean
from typing import Any

PAGE_SEPARATOR = "\n\f\n"
"""Joins page texts in :attr:`OcrResult.text`: a form feed on its own line, as
Tesseract and pdftotext separate pages, so ``text.split("\\f")`` gives pages back."""


@dataclass(frozen=True, slots=True)
class Word:
    """One recognised word and its box.

    For OCR pages the box is in pixels of the image Tesseract read (the page at
    the pool's dpi, after rotation and deskew); ``conf`` is Tesseract's 0..100.
    """

    text: str
    conf: float
    left: int
    top: int
    width: int
    height: int


@dataclass(frozen=True)
class PageText:
    """The text of one page and how it was obtained.

    ``rotation`` is the clockwise turn (0/90/180/270) applied to make the page
    upright before OCR (EXIF orientation or Tesseract OSD); ``skew`` the
    counter-clockwise deskew in degrees. ``words`` is filled for OCR pages only
    (from Tesseract's TSV, no extra cost); for text-layer pages use
    :func:`ocr.textlayer.page_words` when positions are needed. ``warnings``
    (OCR pages only) says why the counter may want to rescan the page:
    ``low_resolution``, ``low_confidence`` (see :mod:`ocr.quality`).
    """

    number: int
    text: str
    confidence: float | None
    source: str  # "text-layer" | "ocr"
    rotation: int = 0
    skew: float = 0.0
    words: tuple[Word, ...] = ()
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.words, tuple):
            object.__setattr__(self, "words", tuple(self.words))
        if not isinstance(self.warnings, tuple):
            object.__setattr__(self, "warnings", tuple(self.warnings))


@dataclass(frozen=True)
class OcrResult:
    """All pages of one document, in page order."""

    pages: tuple[PageText, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.pages, tuple):
            object.__setattr__(self, "pages", tuple(self.pages))

    @property
    def text(self) -> str:
        """Page texts joined with :data:`PAGE_SEPARATOR`."""
        return PAGE_SEPARATOR.join(page.text for page in self.pages)

    @property
    def mean_confidence(self) -> float | None:
        """Mean of the OCR'd pages' confidences; None when no page was OCR'd with words."""
        scores = [p.confidence for p in self.pages if p.confidence is not None]
        return round(fmean(scores), 1) if scores else None

    @property
    def warnings(self) -> list[str]:
        """The pages' warnings as ``code:p<number>`` (``low_resolution:p2``), in page order."""
        return [f"{code}:p{p.number}" for p in self.pages for code in p.warnings]

    def to_json(self) -> dict[str, Any]:
        return {
            "pages": [
                {"number": p.number, "text": p.text, "confidence": p.confidence, "warnings": list(p.warnings)}
                for p in self.pages
            ],
            "text": self.text,
            "warnings": self.warnings,
        }
