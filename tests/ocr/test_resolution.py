"""Effective resolution: pixels of a page's image over the page's size, not the file's dpi tag."""
from __future__ import annotations

import io
from pathlib import Path

import img2pdf
from PIL import Image

from ocr.resolution import page_resolutions
from tests.render import text_pdf


def test_effective_resolution_is_pixels_over_page_size(tmp_path):
    def pdf_at(dpi: int) -> Path:
        path = tmp_path / f"{dpi}.pdf"
        image = Image.new("RGB", (dpi * 8, dpi * 11), "white")  # 8 x 11 inches at that dpi
        path.write_bytes(img2pdf.convert(_jpeg(image, dpi)))
        return path

    assert page_resolutions(pdf_at(150)) == [150.0]
    assert page_resolutions(pdf_at(300)) == [300.0]
    text = text_pdf([["Không có ảnh quét"]], tmp_path / "text.pdf")
    assert page_resolutions(text) == [None]


def _jpeg(image: Image.Image, dpi: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", dpi=(dpi, dpi))
    return buffer.getvalue()
