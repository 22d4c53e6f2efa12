"""Render Vietnamese test pages: the shared fixture maker for OCR tests and benchmarks.

Everything here is deterministic (seeded noise) so OCR results are repeatable.
Owned by the ``ocr`` package's maintainers; other suites may import it::

    from tests.render import render_lines, image_pdf, text_pdf

* :func:`render_lines` draws lines of text (DejaVu Sans, so all Vietnamese
  diacritics render) onto a white grayscale page at a given dpi.
* :func:`render_paragraphs` word-wraps paragraphs onto A4 pages.
* :func:`skewed`, :func:`rotated`, :func:`noisy` imitate bad scans.
* :func:`image_pdf` makes an image-only ("scanned") PDF, :func:`text_pdf` a
  born-digital PDF with a real text layer (fpdf2, font embedded with ToUnicode).
* :func:`encode` gives a page's file bytes (PNG, JPEG, TIFF) with its dpi.
* :func:`seed_paragraphs` reads real administrative Vietnamese from ``tests/data/corpus``.
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterable, Sequence
from pathlib import Path

import img2pdf
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

A4_INCHES = (8.27, 11.69)

ADMIN_LINES = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "GIẤY KHAI SINH",
    "Họ và tên: Nguyễn Văn Đức",
    "Số định danh cá nhân: 001203004567",
]
"""A short civil-status form: the text most tests OCR."""


def _font(pt: float, dpi: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_PATH), size=max(1, round(pt * dpi / 72)))


def render_lines(
    lines: Sequence[str],
    *,
    dpi: int = 300,
    font_pt: float = 14,
    margin_in: float = 0.4,
    page_in: tuple[float, float] | None = None,
) -> Image.Image:
    """Draw ``lines`` top-down on a white grayscale page.

    Without ``page_in`` the page is just big enough for the text (fast to OCR);
    with it, the page has that size in inches (e.g. :data:`A4_INCHES`).
    """
    font = _font(font_pt, dpi)
    line_h = round(font.size * 1.6)
    margin = round(margin_in * dpi)
    if page_in is None:
        text_w = max(round(font.getlength(line)) for line in lines)
        size = (text_w + 2 * margin, line_h * len(lines) + 2 * margin)
    else:
        size = (round(page_in[0] * dpi), round(page_in[1] * dpi))
    page = Image.new("L", size, 255)
    draw = ImageDraw.Draw(page)
    for i, line in enumerate(lines):
        draw.text((margin, margin + i * line_h), line, font=font, fill=0)
    page.info["dpi"] = (dpi, dpi)
    return page


def wrap(paragraphs: Iterable[str], *, width_px: int, font: ImageFont.FreeTypeFont) -> list[str]:
    """Greedy word wrap; an empty line separates paragraphs."""
    out: list[str] = []
    for para in paragraphs:
        line = ""
        for word in para.split():
            candidate = f"{line} {word}".strip()
            if line and font.getlength(candidate) > width_px:
                out.append(line)
                line = word
            else:
                line = candidate
        if line:
            out.append(line)
        out.append("")
    return out


def render_paragraphs(
    paragraphs: Sequence[str], *, dpi: int = 300, font_pt: float = 12, margin_in: float = 0.8
) -> tuple[list[Image.Image], list[str]]:
    """Word-wrap paragraphs onto as many A4 pages as they need.

    Returns the pages and, for each page, the exact text drawn on it (lines
    joined by newlines) so callers can score OCR against it.
    """
    font = _font(font_pt, dpi)
    margin = round(margin_in * dpi)
    width_px = round(A4_INCHES[0] * dpi) - 2 * margin
    per_page = (round(A4_INCHES[1] * dpi) - 2 * margin) // round(font.size * 1.6)
    lines = wrap(paragraphs, width_px=width_px, font=font)
    pages, texts = [], []
    for start in range(0, len(lines), per_page):
        chunk = lines[start : start + per_page]
        pages.append(render_lines(chunk, dpi=dpi, font_pt=font_pt, margin_in=margin_in, page_in=A4_INCHES))
        texts.append("\n".join(chunk).strip())
    return pages, texts


def skewed(page: Image.Image, degrees: float) -> Image.Image:
    """Turn a page by a small angle (counter-clockwise), as a crooked scan."""
    white = (255,) * len(page.getbands()) if len(page.getbands()) > 1 else 255
    out = page.rotate(degrees, resample=Image.Resampling.BICUBIC, fillcolor=white)
    out.info["dpi"] = page.info.get("dpi", (300, 300))
    return out


def rotated(page: Image.Image, degrees: int) -> Image.Image:
    """Turn a page by a multiple of 90° (counter-clockwise), as a sideways scan."""
    out = page.rotate(degrees, expand=True)
    out.info["dpi"] = page.info.get("dpi", (300, 300))
    return out


def noisy(page: Image.Image, *, seed: int = 0, blur: float = 0.8, speckle: float = 0.002) -> Image.Image:
    """A cheap scanner imitation: slight blur, then salt-and-pepper speckle."""
    rng = random.Random(seed)
    out = page.filter(ImageFilter.GaussianBlur(blur))
    px = out.load()
    w, h = out.size
    for _ in range(int(w * h * speckle)):
        px[rng.randrange(w), rng.randrange(h)] = rng.choice((0, 90, 255))
    out.info["dpi"] = page.info.get("dpi", (300, 300))
    return out


def encode(page: Image.Image, fmt: str = "PNG", **params: object) -> bytes:
    """Encode a page in ``fmt`` keeping its dpi."""
    buf = io.BytesIO()
    page.save(buf, fmt, dpi=page.info.get("dpi", (300, 300)), **params)
    return buf.getvalue()


def image_pdf(pages: Sequence[Image.Image], path: Path, *, fmt: str = "JPEG") -> Path:
    """Write an image-only PDF (what a scanner produces): one image per page."""
    path.write_bytes(img2pdf.convert([encode(p, fmt) for p in pages]))
    return path


def text_pdf(pages: Sequence[Sequence[str]], path: Path, *, font_pt: float = 12) -> Path:
    """Write a born-digital A4 PDF whose pages carry ``pages`` as real text."""
    from fpdf import FPDF  # test/bench-only dependency

    pdf = FPDF(format="A4", unit="pt")
    pdf.add_font("DejaVu", fname=str(FONT_PATH))
    pdf.set_font("DejaVu", size=font_pt)
    pdf.set_auto_page_break(False)
    for lines in pages:
        pdf.add_page()
        for i, line in enumerate(lines):
            pdf.text(56, 72 + i * font_pt * 1.5, line)
    pdf.output(str(path))
    return path


CORPUS_DIR = Path(__file__).resolve().parent / "data" / "corpus"
"""Texts of public Vietnamese administrative documents shipped with the tests (see SOURCES.md there)."""


def seed_paragraphs(corpus_dir: Path = CORPUS_DIR) -> list[str]:
    """Paragraphs of real administrative Vietnamese from the shipped corpus.

    The files are PDF text dumps: lines are re-joined into paragraphs at blank lines.
    """
    paragraphs: list[str] = []
    for f in sorted(corpus_dir.glob("*.txt")):
        for block in f.read_text(encoding="utf-8").split("\n\n"):
            para = " ".join(block.split())
            if len(para) > 40:
                paragraphs.append(para)
    return paragraphs
