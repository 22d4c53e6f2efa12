"""ocr.quality: which pages the counter is told to rescan."""

from __future__ import annotations

from PIL import Image

from ocr.prepare import Prepared
from ocr.quality import LOW_CONFIDENCE, page_warnings

PAGE = Image.new("L", (10, 10), 255)


def test_sharp_confident_page_has_no_warning() -> None:
    assert page_warnings(92.0, Prepared(PAGE, 1.0, 22.0)) == ()


def test_small_print_and_low_confidence_are_flagged() -> None:
    assert page_warnings(90.0, Prepared(PAGE, 3.0, 6.5)) == ("low_resolution",)
    assert page_warnings(LOW_CONFIDENCE - 0.1, Prepared(PAGE, 1.0, 22.0)) == ("low_confidence",)
    assert page_warnings(40.0, Prepared(PAGE, 3.0, 6.5)) == ("low_resolution", "low_confidence")


def test_blank_page_is_not_flagged() -> None:
    assert page_warnings(None, Prepared(PAGE, 1.0, None)) == ()
