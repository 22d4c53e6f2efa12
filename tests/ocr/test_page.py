"""What Tesseract is handed for a page (ocr.page): the page itself when it is left at its own size
or reduced, the prepared gray image when it is enlarged; a colour page keeps its colour, turned and
straightened; and a reduced page's words land on the page as uploaded."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from ocr.page import PageJob, _for_reading, ocr_pages
from ocr.prepare import prepare
from tests.render import ADMIN_LINES, encode, render_lines


def _colour_page(dpi: int) -> Image.Image:
    page = render_lines(ADMIN_LINES[:3], dpi=dpi).convert("RGB")
    pixels = np.asarray(page).copy()
    pixels[..., 2] = np.minimum(pixels[..., 2], 200)  # a yellowish paper, as photographed
    return Image.fromarray(pixels, "RGB")


def test_a_colour_page_at_its_own_size_is_read_in_colour() -> None:
    page = _colour_page(300)
    prepared = prepare(page.convert("L"))
    assert prepared.scale == 1.0

    image = _for_reading(page, prepared, 0, 0.0)

    assert image.mode == "RGB" and image.size == page.size
    assert np.array_equal(np.asarray(image), np.asarray(page))


def test_the_colour_page_is_turned_and_straightened_as_read() -> None:
    page = _colour_page(300)
    prepared = prepare(page.convert("L"))

    image = _for_reading(page, prepared, 90, 1.5)

    assert image.mode == "RGB" and image.size == (page.height, page.width)


def test_a_gray_scan_at_its_own_size_is_read_bilevel() -> None:
    page = render_lines(ADMIN_LINES[:3], dpi=300)

    assert _for_reading(page, prepare(page), 0, 0.0).mode == "1"


def test_an_enlarged_colour_page_is_read_from_the_prepared_gray_image() -> None:
    page = _colour_page(90)  # small print: enlarged for reading
    prepared = prepare(page.convert("L"))
    assert prepared.scale > 1.0

    image = _for_reading(page, prepared, 0, 0.0)

    assert image is prepared.image and image.mode == "L"


def test_a_reduced_colour_page_is_read_in_colour_at_the_reduced_size() -> None:
    page = _colour_page(600)  # large print on a page-sized image: reduced for reading
    prepared = prepare(page.convert("L"))
    assert prepared.scale < 1.0

    image = _for_reading(page, prepared, 0, 0.0)

    assert image.mode == "RGB" and image.size == prepared.image.size


def test_a_reduced_gray_page_is_read_bilevel_at_the_reduced_size() -> None:
    page = render_lines(ADMIN_LINES, dpi=600)
    prepared = prepare(page)
    assert prepared.scale < 1.0

    image = _for_reading(page, prepared, 0, 0.0)

    assert image.mode == "1" and image.size == prepared.image.size


def test_a_reduced_page_is_read_and_its_words_lie_on_the_uploaded_page(tmp_path) -> None:
    page = render_lines(ADMIN_LINES, dpi=600)
    assert prepare(page).scale < 1.0
    path = tmp_path / "page.png"
    path.write_bytes(encode(page))

    [outcome] = ocr_pages(PageJob(str(path), "image", (0,), "vie", 300))

    text = " ".join(outcome.page.text.split())
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    words = outcome.page.words
    assert max(w.left + w.width for w in words) > page.width * 0.5  # page pixels, not reduced ones
    assert all(w.left + w.width <= page.width and w.top + w.height <= page.height for w in words)
    assert outcome.layer_size == pytest.approx((page.width * 72 / 600, page.height * 72 / 600))
