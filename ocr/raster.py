"""Page images in and out: rasterize PDF pages, decode image files, encode image pages.

PDF pages are rendered with pypdfium2 straight into an 8-bit gray bitmap
(~25 ms for A4 at 300 dpi; pdftoppm takes ~10x longer, pdfium's own
``grayscale`` flag ~4x). Colour is rendered only for pages we must re-encode.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import img2pdf
import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageOps

from ocr.errors import CorruptDocument, ImageTooLarge

A4_INCHES = (8.27, 11.69)
JPEG_QUALITY = 80
COLOR_PROBE_DPI = 20  # enough to see a red seal or a coloured form
_EXIF_ORIENTATION = 0x0112
_EXIF_ROTATION = {3: 180, 4: 180, 5: 90, 6: 90, 7: 270, 8: 270}  # clockwise turn it undoes

# What Pillow raises for undecodable input (SyntaxError: broken PNG chunks).
DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, IndexError, KeyError, TypeError, pdfium.PdfiumError)


@dataclass(frozen=True)
class Frame:
    """One decoded image-file frame, normalised for OCR and output."""

    image: Image.Image  # mode "1", "L" or "RGB", upright per EXIF
    dpi: int
    rotation: int  # clockwise degrees applied from EXIF orientation
    jpeg: bytes | None  # the original JPEG when it can go into the PDF untouched


def max_pixels() -> int:
    """The bomb limit in force (set by the pool's worker initializer)."""
    return int(Image.MAX_IMAGE_PIXELS or 0) or 2**62


def check_size(width: int, height: int) -> None:
    if width <= 0 or height <= 0:
        raise CorruptDocument(f"image has size {width}x{height}")
    if width * height > max_pixels():
        raise ImageTooLarge(f"{width}x{height} px is over the limit of {max_pixels()} px")


def fit_dpi(width_pt: float, height_pt: float, dpi: int) -> int:
    """``dpi``, lowered for oversized pages so the bitmap stays within the bomb limit."""
    square_inches = max(width_pt * height_pt / 72**2, 1e-6)
    return max(1, min(dpi, int(math.sqrt(max_pixels() / square_inches))))


@contextmanager
def _pdf_page(path: str, index: int) -> Iterator[pdfium.PdfPage]:
    doc = None
    try:
        doc = pdfium.PdfDocument(path)
        yield doc[index]
    except pdfium.PdfiumError as exc:
        raise CorruptDocument(f"page {index + 1}: {exc}") from exc
    finally:
        if doc is not None:
            doc.close()


def render_pdf_page(path: str, index: int, dpi: int, *, color: bool = False) -> Image.Image:
    """Render one PDF page (its crop box, /Rotate applied) at ``dpi``: mode "L", or "RGB" with ``color``."""
    with _pdf_page(path, index) as page:
        fmt = pdfium_c.FPDFBitmap_BGR if color else pdfium_c.FPDFBitmap_Gray
        image = page.render(scale=dpi / 72, force_bitmap_format=fmt, rev_byteorder=color).to_pil()
        return image.convert("RGB") if color and image.mode != "RGB" else image


_GRAY_SPACES = (pdfium_c.FPDF_COLORSPACE_DEVICEGRAY, pdfium_c.FPDF_COLORSPACE_CALGRAY)


def pdf_page_is_gray(path: str, index: int) -> bool:
    """True if the page looks gray: only gray or bilevel images (their colour spaces say so, ~1 ms),
    or else a small rendering of it shows no colour (~30 ms; RGB scans of black-and-white paper)."""
    with _pdf_page(path, index) as page:
        objects = list(page.get_objects(max_depth=3))
        if objects and all(
            obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE
            and (obj.get_metadata().colorspace in _GRAY_SPACES or obj.get_metadata().bits_per_pixel == 1)
            for obj in objects
        ):
            return True
    return is_grayish(render_pdf_page(path, index, COLOR_PROBE_DPI, color=True))


def pdf_page_size(path: str, index: int) -> tuple[float, float]:
    """Width and height in points as displayed (crop box, /Rotate applied)."""
    with _pdf_page(path, index) as page:
        return page.get_size()


def load_frame(path: str, index: int) -> Frame:
    """Decode frame ``index`` of an image file (multi-page TIFF: one frame per page)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path) as im:
                im.seek(index)
                check_size(*im.size)
                im.load()
                orientation = im.getexif().get(_EXIF_ORIENTATION, 1)
                upright = im if orientation == 1 else ImageOps.exif_transpose(im)
                passthrough = im.format == "JPEG" and orientation == 1 and im.mode in ("L", "RGB", "CMYK")
                jpeg = _read_bytes(path) if passthrough else None
                return Frame(_normalise(upright), image_dpi(im), _EXIF_ROTATION.get(orientation, 0), jpeg)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageTooLarge(str(exc)) from exc
        except DECODE_ERRORS as exc:
            raise CorruptDocument(f"frame {index + 1}: {exc}") from exc


def image_dpi(image: Image.Image) -> int:
    """The resolution recorded in the file if plausible, else the one that fits the page on A4.

    Phone photos say 72 dpi (or nothing) for a 3000x4000 px picture of a paper:
    taken literally, that is a 1.4 m page with text Tesseract thinks is huge.
    """
    recorded = image.info.get("dpi", (0, 0))[0]
    try:
        recorded = float(recorded)
    except (TypeError, ValueError):
        recorded = 0.0
    if 100 <= recorded <= 1200:
        return round(recorded)
    long_side, short_side = max(image.size), min(image.size)
    return max(70, round(max(long_side / A4_INCHES[1], short_side / A4_INCHES[0])))


def binarize(gray: Image.Image) -> Image.Image:
    """Black and white at the Otsu threshold, as Tesseract's own first step computes it.

    Handing Tesseract the bilevel page measured 10 % less CPU per page (its LSTM
    then reads 1-bit line images instead of gray ones) for +0.02 to +0.05 points
    of character error rate on the benchmark pages; on shadowed photos Tesseract's
    internal global Otsu fails the same way ours does.
    """
    histogram = np.asarray(gray.histogram(), dtype=np.float64)
    share = histogram / max(histogram.sum(), 1.0)
    below = np.cumsum(share)  # weight of the dark class for each threshold
    mean_below = np.cumsum(share * np.arange(256))
    between = (mean_below[-1] * below - mean_below) ** 2 / np.maximum(below * (1.0 - below), 1e-12)
    threshold = int(np.argmax(between))
    return gray.point([255 if v > threshold else 0 for v in range(256)], "1")


def is_grayish(image: Image.Image) -> bool:
    """True if an RGB image is really gray: a black-and-white paper, no red seal or coloured form."""
    thumb = np.asarray(image.reduce(max(1, image.width // 300)), dtype=np.int16)
    colored = np.abs(thumb - thumb.mean(axis=2, keepdims=True)).max(axis=2) > 24
    return bool(colored.mean() < 0.002)


def image_page_pdf(image: Image.Image, dpi: int, jpeg: bytes | None = None) -> bytes:
    """A one-page PDF showing ``image`` at ``dpi``.

    An untouched JPEG goes in as-is (no recompression); bilevel images as CCITT G4;
    everything else as JPEG at :data:`JPEG_QUALITY`, which keeps a 300 dpi A4 scan
    at a few hundred KB.
    """
    if jpeg is not None:
        data = jpeg
    else:
        buf = io.BytesIO()
        if image.mode == "1":
            image.save(buf, "TIFF", compression="group4")
        else:
            image.save(buf, "JPEG", quality=JPEG_QUALITY)
        data = buf.getvalue()
    layout = img2pdf.get_fixed_dpi_layout_fun((dpi, dpi))
    return img2pdf.convert(data, layout_fun=layout, rotation=img2pdf.Rotation.ifvalid)


def _normalise(image: Image.Image) -> Image.Image:
    if image.mode in ("1", "L", "RGB"):
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        pixels = np.asarray(image, dtype=np.float64)
        top = float(pixels.max()) or 1.0
        return Image.fromarray((pixels * (255.0 / top)).astype(np.uint8), "L")
    if image.mode in ("LA", "RGBA", "PA", "La", "RGBa") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        flat = Image.alpha_composite(background, rgba).convert("RGB")
        return flat.convert("L") if image.mode.startswith("L") else flat
    return image.convert("RGB")


def _read_bytes(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()
