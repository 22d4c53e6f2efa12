"""ocr.prepare on rendered text of known size: x-height, dot leaders, enlargement, boxes back to the page."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageOps

from ocr.model import Word
from ocr.prepare import (
    SHRINK_MIN_PIXELS,
    SHRINK_X_HEIGHT,
    TARGET_X_HEIGHT,
    Prepared,
    drop_leaders,
    estimate_x_height,
    prepare,
    to_page,
)
from ocr.tesseract import Line, Recognition
from tests.render import ADMIN_LINES, _font, render_lines

PROSE = [
    "Nay tôi làm đơn này kính xin Ban Công an xã cho tôi được đăng kí tạm trú",
    "tại địa phương từ ngày mười hai tháng ba năm hai nghìn không trăm hai mươi.",
    "Trong thời gian ở địa phương tôi xin hứa thực hiện tốt các nội quy của xã.",
]
"""Ordinary lower-case text: its letters are mostly x-height letters."""
PAGE = Image.new("L", (10, 10), 255)


def _true_x_height(pt: float, dpi: int) -> int:
    left, top, right, bottom = _font(pt, dpi).getbbox("x")
    return bottom - top


@pytest.mark.parametrize(("pt", "dpi"), [(10, 75), (12, 100), (12, 200), (11, 300), (12, 600)])
def test_x_height_is_measured_from_the_text(pt: float, dpi: int) -> None:
    page = np.asarray(render_lines(PROSE, dpi=dpi, font_pt=pt))
    assert estimate_x_height(page) == pytest.approx(_true_x_height(pt, dpi), rel=0.15, abs=1.0)


def test_capitals_count_as_their_height() -> None:
    """A name line in capitals (ID cards) measures its cap height, which is what Tesseract sees."""
    page = np.asarray(render_lines(["NGUYỄN VĂN ĐỨC", "TRẦN THỊ THU PHƯƠNG"], dpi=200, font_pt=12))
    left, top, right, bottom = _font(12, 200).getbbox("H")
    assert estimate_x_height(page) == pytest.approx(bottom - top, rel=0.15)


def test_blank_page_has_no_text_size() -> None:
    assert estimate_x_height(np.full((300, 200), 255, np.uint8)) is None
    blank = Image.new("L", (200, 300), 255)
    prepared = prepare(blank)
    assert (prepared.image, prepared.scale, prepared.x_height, prepared.low_resolution) == (blank, 1.0, None, False)


def test_small_print_is_enlarged_to_the_target_size() -> None:
    page = render_lines(PROSE, dpi=75, font_pt=10)
    prepared = prepare(page)
    assert prepared.low_resolution
    assert prepared.scale == pytest.approx(TARGET_X_HEIGHT / prepared.x_height)
    assert prepared.image.size == (round(page.width * prepared.scale), round(page.height * prepared.scale))
    assert estimate_x_height(np.asarray(prepared.image)) == pytest.approx(TARGET_X_HEIGHT, rel=0.2)


def test_a_300_dpi_scan_is_read_as_it_is() -> None:
    page = render_lines(ADMIN_LINES, dpi=300, font_pt=11)
    prepared = prepare(page)
    assert prepared.image is page and prepared.scale == 1.0 and not prepared.low_resolution


def test_large_print_on_a_page_is_reduced_to_the_reading_size() -> None:
    page = render_lines(ADMIN_LINES, dpi=600, font_pt=12)  # a page-sized image, text ~3x the target
    assert page.width * page.height >= SHRINK_MIN_PIXELS
    prepared = prepare(page)
    assert prepared.scale == pytest.approx(SHRINK_X_HEIGHT / prepared.x_height) and prepared.scale < 0.5
    assert prepared.image.size == (round(page.width * prepared.scale), round(page.height * prepared.scale))
    assert estimate_x_height(np.asarray(prepared.image)) == pytest.approx(SHRINK_X_HEIGHT, rel=0.2)
    assert not prepared.low_resolution


def test_large_print_on_a_crop_is_left_as_it_is() -> None:
    """An ID card's line photographed close: shrinking such crops cost CER and saves nothing."""
    line = render_lines(["Ngày hết hạn: 12/05/2031"], dpi=600, font_pt=12)
    crop = line.crop(ImageOps.invert(line).getbbox())
    assert crop.width * crop.height < SHRINK_MIN_PIXELS
    prepared = prepare(crop)
    assert prepared.image is crop and prepared.scale == 1.0


def _form_line(with_dots: bool) -> Image.Image:
    font = _font(12, 100)
    page = Image.new("L", (700, 60), 255)
    draw = ImageDraw.Draw(page)
    draw.text((10, 15), "Họ và tên:", font=font, fill=0)
    if with_dots:
        draw.text((120, 15), "." * 60, font=font, fill=0)
    return page


def test_dot_leaders_are_erased_and_the_words_kept() -> None:
    dotted, plain = np.asarray(_form_line(True)), np.asarray(_form_line(False))
    x_height = estimate_x_height(dotted)
    cleaned = drop_leaders(dotted, x_height)
    assert (dotted[:, 120:] < 128).sum() > 100  # the leader was there
    assert (cleaned[:, 120:] < 128).sum() == 0
    np.testing.assert_array_equal(cleaned[:, :120], plain[:, :120])  # words and their diacritics untouched


def test_a_page_without_leaders_is_returned_as_it_is() -> None:
    page = np.asarray(render_lines(ADMIN_LINES, dpi=100, font_pt=12))
    assert drop_leaders(page, estimate_x_height(page)) is page


def test_boxes_are_mapped_back_to_the_page() -> None:
    word = Word("Đức", 91.0, 40, 20, 100, 30)
    line = Line(30, 18, 300, 34, (word,), (1, 1))
    reading = Recognition("Đức", (word,), (line,), 91.0)

    page = to_page(reading, Prepared(PAGE, 2.5, 8.0))

    assert page.words == (Word("Đức", 91.0, 16, 8, 40, 12),)
    assert (page.lines[0].left, page.lines[0].top, page.lines[0].width, page.lines[0].height) == (12, 7, 120, 14)
    assert page.lines[0].words == page.words and page.text == "Đức" and page.confidence == 91.0
    assert to_page(reading, Prepared(PAGE, 1.0, 20.0)) is reading
    reduced = to_page(reading, Prepared(PAGE, 0.5, 44.0))
    assert reduced.words == (Word("Đức", 91.0, 80, 40, 200, 60),)
