"""Tesseract inside this process: one warm engine per language, loaded once and reused.

The ``tesseract`` command paid a process start and a model load (~80 ms) on
every run; here the model is loaded the first time a process needs it (a pool
worker does it in its initializer) and each page only pays its recognition.
The library is Debian's libtesseract, through tesserocr built from source
against it (``make deps``), so the engine is the very one the ``tesseract``
command runs and its readings are the same, word for word.

An engine is not thread-safe. Pool workers are single-threaded; any other
caller reading pages from several threads would need one engine per thread.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from ocr.errors import OcrFailed

if TYPE_CHECKING:
    import tesserocr
    from PIL import Image

PSM_AUTO = 3  # automatic page segmentation, no OSD: what ``--psm 3`` selects
# Measured on the 15 real pages of bench/data/real then (pooled CER, our pipeline otherwise alike):
# psm 3 0.124, psm 4 (one column) 0.179, psm 6 (one block) 0.147, and the best of the three per page
# by Tesseract's mean confidence 0.126 for three recognitions: one mode for every page it is.

_engines: dict[str, Engine] = {}


class Engine:
    """One loaded Tesseract model (``lang``, e.g. ``vie`` or ``osd``) and its reusable state."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._api = _new_api(lang)

    def tsv(self, image: Image.Image, *, dpi: int, timeout: float) -> str:
        """Recognize one page (page segmentation mode 3) and return Tesseract's TSV rows for it.

        The rows are those of the ``tsv`` renderer without its header line, page number 1.
        """
        api = self._api
        try:
            pixels = _set_image(api, image, dpi)  # noqa: F841 (alive until Tesseract has read it)
            api.SetPageSegMode(PSM_AUTO)
            if not api.Recognize(timeout=_milliseconds(timeout)):
                raise OcrFailed(f"tesseract took more than {timeout:.0f} s")
            return api.GetTSVText(0)
        finally:
            api.Clear()

    def orientation(self, image: Image.Image, *, dpi: int) -> tuple[int, float] | None:
        """OSD of one page: (clockwise degrees that make it upright, confidence), or None when it cannot tell.

        The same figures ``tesseract --psm 0`` prints as ``Rotate`` and ``Orientation confidence``.
        """
        api = self._api
        try:
            pixels = _set_image(api, image, dpi)  # noqa: F841 (alive until Tesseract has read it)
            found = api.DetectOrientationScript()
        finally:
            api.Clear()
        if not found:
            return None
        # orient_deg is how far the input is turned clockwise; undoing it is the opposite turn.
        return (360 - int(found["orient_deg"])) % 360, float(found["orient_conf"])


def engine(lang: str) -> Engine:
    """This process's engine for ``lang``, loaded on first use and kept for the process's life."""
    found = _engines.get(lang)
    if found is None:
        found = _engines[lang] = Engine(lang)
    return found


def _new_api(lang: str) -> tesserocr.PyTessBaseAPI:
    # libgomp reads OMP_THREAD_LIMIT once, when libtesseract is loaded: with one process per
    # core, Tesseract's own threads only fight each other (3x slower on 2 cores).
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    try:
        import tesserocr
    except ImportError as exc:
        raise OcrFailed("tesserocr (Tesseract's library binding) is not installed: run make deps") from exc
    try:
        return tesserocr.PyTessBaseAPI(lang=lang, psm=tesserocr.PSM.AUTO)
    except RuntimeError as exc:
        raise OcrFailed(f"tesseract cannot load language {lang!r}: {exc}") from exc


def _set_image(api: Any, image: Image.Image, dpi: int) -> bytes:
    """Hand Tesseract the raw pixels (no encoding): 1-bit packed with 1 = white, 8-bit gray or 24-bit RGB,
    exactly Pillow's layout for modes "1", "L" and "RGB".

    Returns the buffer: the binding documents that it does not copy it, so the caller keeps it alive.
    """
    if image.mode not in ("1", "L", "RGB"):
        image = image.convert("L")
    bytes_per_pixel = {"1": 0, "L": 1, "RGB": 3}[image.mode]
    stride = (image.width + 7) // 8 if image.mode == "1" else image.width * bytes_per_pixel
    pixels = image.tobytes()
    api.SetImageBytes(pixels, image.width, image.height, bytes_per_pixel, stride)
    api.SetSourceResolution(dpi)
    return pixels


def _milliseconds(seconds: float) -> int:
    return max(1, round(seconds * 1000))
