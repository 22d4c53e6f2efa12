"""Page reading with Tesseract: words with boxes and confidences, lines, paragraphs, text.

One :func:`recognize` call is one recognition by this process's warm engine
(:mod:`ocr.engine`), and it yields everything a page needs from the ``tsv``
output alone: words with boxes and confidences, grouped in lines and
paragraphs, from which the plain text and the PDF text layer
(:mod:`ocr.textpdf`) are made. Each extra renderer (``txt``, ``pdf``) measured
2-4 % more CPU per page. The page goes to the engine as raw pixels, with no
image file encoded or decoded on the way.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image

from ocr.engine import engine
from ocr.model import Word

TSV_HEADER = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"


@dataclass(frozen=True)
class Line:
    """One text line as Tesseract found it: its box and its words, in image pixels."""

    left: int
    top: int
    width: int
    height: int
    words: tuple[Word, ...]
    paragraph: tuple[int, int]  # (block, paragraph): a change starts a new paragraph


@dataclass(frozen=True)
class Recognition:
    text: str
    words: tuple[Word, ...]
    lines: tuple[Line, ...]
    confidence: float | None


@dataclass(frozen=True)
class Orientation:
    rotate: int  # clockwise degrees that make the page upright
    confidence: float


def recognize(image: Image.Image, *, lang: str, dpi: int, timeout: float = 300.0) -> Recognition:
    """Read one page (page segmentation mode 3, automatic, no OSD)."""
    return parse_tsv(TSV_HEADER + "\n" + engine(lang).tsv(image, dpi=dpi, timeout=timeout))


def recognize_many(images: Sequence[Image.Image], *, lang: str, dpi: int, timeout: float = 300.0) -> list[Recognition]:
    """Read several pages at the same dpi, each once; ``timeout`` is per page."""
    return [recognize(image, lang=lang, dpi=dpi, timeout=timeout) for image in images]


def detect_orientation(image: Image.Image, *, dpi: int) -> Orientation | None:
    """Tesseract OSD; None when it cannot tell (e.g. too little text).

    It costs about half a recognition, so callers use it only when the
    first recognition looks wrong.
    """
    found = engine("osd").orientation(image, dpi=dpi)
    return None if found is None else Orientation(*found)


def parse_tsv(tsv: str) -> Recognition:
    """Words (TSV level 5) grouped into lines (level 4), the plain text, and the mean word confidence.

    The text is laid out as Tesseract's ``txt`` output is: words joined by spaces,
    lines by newlines, paragraphs by a blank line. Rows with conf -1 are layout.
    """
    boxes: dict[tuple[str, ...], tuple[int, int, int, int]] = {}
    words: dict[tuple[str, ...], list[Word]] = {}
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] not in ("4", "5"):
            continue
        key = tuple(cols[2:5])  # block, paragraph, line
        left, top, width, height = (int(c) for c in cols[6:10])
        if cols[0] == "4":
            boxes[key] = (left, top, width, height)
        elif cols[11].strip() and float(cols[10]) >= 0:
            text = unicodedata.normalize("NFC", cols[11].strip())
            words.setdefault(key, []).append(Word(text, float(cols[10]), left, top, width, height))
    lines = tuple(
        Line(*boxes[key], tuple(line_words), (int(key[0]), int(key[1])))
        for key, line_words in words.items()
        if key in boxes
    )
    all_words = tuple(w for line in lines for w in line.words)
    mean = round(sum(w.conf for w in all_words) / len(all_words), 1) if all_words else None
    return Recognition(plain_text(lines), all_words, lines, mean)


def plain_text(lines: tuple[Line, ...]) -> str:
    """The page text of ``lines``: words joined by spaces, lines by newlines, paragraphs by a blank line."""
    paragraphs: list[list[str]] = []
    previous = None
    for line in lines:
        if line.paragraph != previous:
            paragraphs.append([])
            previous = line.paragraph
        paragraphs[-1].append(" ".join(w.text for w in line.words))
    return "\n\n".join("\n".join(p) for p in paragraphs)
