"""Thin wrapper over the ``tesseract`` command line.

One :func:`recognize` call is one Tesseract run, and it yields everything a page
needs at once: plain text (``txt``), word boxes and confidences (``tsv``) and a
one-page text-only PDF (``pdf`` with ``textonly_pdf=1``: invisible text, no
image) to graft onto the page image. We call the CLI directly rather than
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
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from ocr.errors import OcrFailed
from ocr.model import Word

TESSERACT = "tesseract"


@dataclass(frozen=True)
class Recognition:
    text: str
    words: tuple[Word, ...]
    confidence: float | None
    pdf: bytes


@dataclass(frozen=True)
class Orientation:
    rotate: int  # clockwise degrees that make the page upright
    confidence: float


def recognize(image: Image.Image, *, lang: str, dpi: int, timeout: float = 300.0) -> Recognition:
    """Run Tesseract once (page segmentation mode 3: automatic, no OSD)."""
    with tempfile.TemporaryDirectory(prefix="sohoa-tess-") as tmp:
        out = Path(tmp, "out")
        args = ["-l", lang, "--psm", "3", "--dpi", str(dpi), "-c", "textonly_pdf=1"]
        _run(_write_input(image, tmp), str(out), args + ["txt", "tsv", "pdf"], timeout=timeout)
        words, confidence = parse_tsv(out.with_suffix(".tsv").read_text(encoding="utf-8"))
        return Recognition(
            text=out.with_suffix(".txt").read_text(encoding="utf-8").rstrip("\f \n"),
            words=words,
            confidence=confidence,
            pdf=out.with_suffix(".pdf").read_bytes(),
        )


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


def parse_tsv(tsv: str) -> tuple[tuple[Word, ...], float | None]:
    """Words (TSV level 5) and their mean confidence; rows with conf -1 are layout, not words."""
    words = []
    for line in tsv.splitlines()[1:]:
        cols = line.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        conf = float(cols[10])
        if conf < 0:
            continue
        left, top, width, height = (int(c) for c in cols[6:10])
        words.append(Word(cols[11], conf, left, top, width, height))
    mean = round(sum(w.conf for w in words) / len(words), 1) if words else None
    return tuple(words), mean


def _write_input(image: Image.Image, tmp: str) -> str:
    """PNM is the cheapest format for us to write and for Leptonica to read."""
    if image.mode not in ("1", "L", "RGB"):
        image = image.convert("L")
    path = str(Path(tmp, "page.pnm"))
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
