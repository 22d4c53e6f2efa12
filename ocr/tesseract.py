"""Thin wrapper over the ``tesseract`` command line.

One :func:`recognize` call is one Tesseract run, and it yields everything a page
needs from the ``tsv`` renderer alone: words with boxes and confidences, grouped
in lines and paragraphs, from which the plain text and the PDF text layer
(:mod:`ocr.textpdf`) are made. Each extra renderer (``txt``, ``pdf``) measured
2-4 % more CPU per page. We call the CLI directly rather than
through pytesseract because pytesseract re-encodes images as PNG (~0.3 s for
an A4 page at 300 dpi); here the page goes to Tesseract as PNM, which costs
~15 ms to write.

Thread count is not set here: the pool's worker initializer exports
``OMP_THREAD_LIMIT=1``, which these child processes inherit.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from ocr.errors import OcrFailed
from ocr.model import Word

TESSERACT = "tesseract"


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
    """Run Tesseract once on one page."""
    return recognize_many([image], lang=lang, dpi=dpi, timeout=timeout)[0]


def recognize_many(images: Sequence[Image.Image], *, lang: str, dpi: int, timeout: float = 300.0) -> list[Recognition]:
    """Run Tesseract once on several pages at the same dpi, each page read once.

    Page segmentation mode 3 (automatic, no OSD). Tesseract's start-up, mostly
    loading the model, costs ~85 ms of CPU a run (6 % of an A4 page); a run over
    a list of pages pays it once. ``timeout`` is per page.
    """
    with tempfile.TemporaryDirectory(prefix="sohoa-tess-") as tmp:
        paths = [_write_input(image, tmp, f"page-{i}") for i, image in enumerate(images)]
        src = paths[0]
        if len(paths) > 1:
            src = str(Path(tmp, "pages.txt"))
            Path(src).write_text("\n".join(paths) + "\n", encoding="utf-8")
        out = Path(tmp, "out")
        args = ["-l", lang, "--psm", "3", "--dpi", str(dpi), "tsv"]
        _run(src, str(out), args, timeout=timeout * len(paths))
        return parse_tsv_pages(out.with_suffix(".tsv").read_text(encoding="utf-8"), len(paths))


def detect_orientation(image: Image.Image, *, dpi: int, timeout: float = 120.0) -> Orientation | None:
    """Tesseract OSD (``--psm 0``); None when it cannot tell (e.g. too little text).

    It costs about half a recognition run, so callers use it only when the
    first recognition looks wrong.
    """
    with tempfile.TemporaryDirectory(prefix="sohoa-osd-") as tmp:
        try:
            stdout = _run(_write_input(image, tmp), "-", ["--psm", "0", "-l", "osd", "--dpi", str(dpi)], timeout=timeout)
        except OcrFailed:
            return None
    rotate = re.search(r"^Rotate:\s*(\d+)", stdout, re.M)
    confidence = re.search(r"^Orientation confidence:\s*([\d.]+)", stdout, re.M)
    if not (rotate and confidence):
        return None
    return Orientation(int(rotate.group(1)) % 360, float(confidence.group(1)))


def parse_tsv_pages(tsv: str, pages: int) -> list[Recognition]:
    """Split a multi-page TSV by its page_num column (1-based) and parse each page."""
    rows: list[list[str]] = [[] for _ in range(pages)]
    for row in tsv.splitlines()[1:]:
        number = row.split("\t", 2)[1] if "\t" in row else ""
        if number.isdigit() and 1 <= int(number) <= pages:
            rows[int(number) - 1].append(row)
    return [parse_tsv("\n".join(["", *page_rows])) for page_rows in rows]


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
    return Recognition(_plain_text(lines), all_words, lines, mean)


def _plain_text(lines: tuple[Line, ...]) -> str:
    paragraphs: list[list[str]] = []
    previous = None
    for line in lines:
        if line.paragraph != previous:
            paragraphs.append([])
            previous = line.paragraph
        paragraphs[-1].append(" ".join(w.text for w in line.words))
    return "\n\n".join("\n".join(p) for p in paragraphs)


def _write_input(image: Image.Image, tmp: str, name: str = "page") -> str:
    """PNM is the cheapest format for us to write and for Leptonica to read."""
    if image.mode not in ("1", "L", "RGB"):
        image = image.convert("L")
    path = str(Path(tmp, f"{name}.pnm"))
    image.save(path, "PPM")
    return path


def _run(src: str, out: str, args: list[str], *, timeout: float) -> str:
    try:
        proc = subprocess.run(
            [TESSERACT, src, out, *args], capture_output=True, timeout=timeout, check=False
        )
    except FileNotFoundError as exc:
        raise OcrFailed("tesseract is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise OcrFailed(f"tesseract took more than {timeout:.0f} s") from exc
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip()[-500:]
        raise OcrFailed(f"tesseract exited {proc.returncode}: {tail}")
    return proc.stdout.decode("utf-8", "replace")
