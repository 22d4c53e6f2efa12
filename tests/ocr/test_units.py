"""Fast checks of the pieces: result model, TSV parsing, skew estimation, text-layer triage."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocr import PAGE_SEPARATOR, OcrResult, PageText, Word
from ocr.skew import estimate_skew, needs_straightening
from ocr.tesseract import parse_tsv
from ocr.triage import triage
from tests.render import ADMIN_LINES, noisy, render_lines, skewed, text_pdf


def test_result_text_confidence_and_json() -> None:
    result = OcrResult(
        [
            PageText(1, "Trang một", None, "text-layer"),
            PageText(2, "Trang hai", 90.0, "ocr", words=[Word("hai", 90.0, 1, 2, 3, 4)]),
            PageText(3, "Trang ba", 71.0, "ocr", warnings=["low_resolution", "low_confidence"]),
        ]
    )
    assert result.text == "Trang một\n\f\nTrang hai\n\f\nTrang ba" == PAGE_SEPARATOR.join(
        p.text for p in result.pages
    )
    assert result.mean_confidence == 80.5
    assert isinstance(result.pages, tuple) and isinstance(result.pages[1].words, tuple)
    assert isinstance(result.pages[2].warnings, tuple)
    assert result.to_json() == {
        "pages": [
            {"number": 1, "text": "Trang một", "confidence": None, "warnings": []},
            {"number": 2, "text": "Trang hai", "confidence": 90.0, "warnings": []},
            {"number": 3, "text": "Trang ba", "confidence": 71.0, "warnings": ["low_resolution", "low_confidence"]},
        ],
        "text": result.text,
        "warnings": ["low_resolution:p3", "low_confidence:p3"],
    }
    assert OcrResult([PageText(1, "", None, "text-layer")]).mean_confidence is None


def test_tsv_gives_words_lines_text_and_confidence() -> None:
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    rows = [
        "1\t1\t0\t0\t0\t0\t0\t0\t2000\t1000\t-1\t",
        "4\t1\t1\t1\t1\t0\t10\t10\t500\t40\t-1\t",
        "5\t1\t1\t1\t1\t1\t10\t10\t200\t40\t96.5\tGIẤY",
        "5\t1\t1\t1\t1\t2\t220\t10\t200\t40\t83.5\tKHAI",
        "5\t1\t1\t1\t1\t3\t440\t10\t20\t40\t95\t ",
        "4\t1\t1\t1\t2\t0\t10\t60\t200\t40\t-1\t",
        "5\t1\t1\t1\t2\t1\t10\t60\t200\t40\t90\tSINH",
        "4\t1\t2\t1\t1\t0\t10\t200\t300\t40\t-1\t",
        "5\t1\t2\t1\t1\t1\t10\t200\t300\t40\t90\tSố:",
    ]
    read = parse_tsv("\n".join([header, *rows]))
    assert [w.text for w in read.words] == ["GIẤY", "KHAI", "SINH", "Số:"]
    assert read.words[1] == Word("KHAI", 83.5, 220, 10, 200, 40)
    assert read.confidence == 90.0
    assert read.text == "GIẤY KHAI\nSINH\n\nSố:"  # as Tesseract's txt: blank line between paragraphs
    assert [(line.top, len(line.words)) for line in read.lines] == [(10, 2), (60, 1), (200, 1)]
    assert parse_tsv(header).confidence is None


@pytest.mark.parametrize("angle", [0.0, 0.5, -1.2, 3.0, -7.0])
def test_skew_estimate(angle: float) -> None:
    page = render_lines(ADMIN_LINES * 3, page_in=(8.27, 6))
    assert estimate_skew(noisy(skewed(page, angle))) == pytest.approx(angle, abs=0.15)


def test_skew_threshold() -> None:
    assert not needs_straightening(0.2) and needs_straightening(-0.5)


def test_blank_page_has_no_skew() -> None:
    assert estimate_skew(render_lines([""], page_in=(8.27, 11.69))) == 0.0


def test_short_text_without_page_image_is_a_text_layer(tmp_path: Path) -> None:
    """A born-digital page with one short line (a signature page) needs no OCR."""
    src = text_pdf([["Nơi nhận: Như trên"], []], tmp_path / "short.pdf")
    document = triage(src, "application/pdf", max_image_pixels=10**8)
    assert document.text_layers == ("Nơi nhận: Như trên", "")
    assert document.pages_to_ocr == []
