"""Page previews for the viewer: the asked page at the asked width, clear refusals otherwise."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from ocr.preview import MAX_WIDTH, page_png
from tests.samples import scanned_pdf


def test_a_page_renders_at_the_asked_width_capped():
    pdf = scanned_pdf([["Trang một"], ["Trang hai"]])
    assert abs(Image.open(io.BytesIO(page_png(pdf, 2, 640))).width - 640) <= 1
    assert abs(Image.open(io.BytesIO(page_png(pdf, 1, 10_000))).width - MAX_WIDTH) <= 1
    with pytest.raises(IndexError):
        page_png(pdf, 3, 640)
    with pytest.raises(ValueError):
        page_png(b"%PDF-1.7 not really", 1, 640)
