"""ocr.letterhead: a two-column header read across its gutter is regrouped block by block."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

from ocr import PagePool, digitize
from ocr.letterhead import read_letterhead
from ocr.model import Word
from ocr.tesseract import Line, Recognition, plain_text
from tests.ocr.conftest import assert_searchable
from tests.render import _font, encode

WIDTH, HEIGHT = 2480, 3508  # A4 at 300 dpi


def _words(text: str, left: int, top: int) -> list[Word]:
    words, x = [], left
    for token in text.split():
        words.append(Word(token, 90.0, x, top, 30 * len(token), 40))
        x += 30 * len(token) + 20
    return words


def _line(parts: list[tuple[str, int]], top: int, paragraph: tuple[int, int] = (1, 1)) -> Line:
    words = tuple(w for text, left in parts for w in _words(text, left, top))
    left, right = min(w.left for w in words), max(w.left + w.width for w in words)
    return Line(left, top, right - left, 40, words, paragraph)


def _reading(lines: list[Line]) -> Recognition:
    lines_t = tuple(lines)
    return Recognition(plain_text(lines_t), tuple(w for line in lines_t for w in line.words), lines_t, 90.0)


BODY = [_line([("Căn cứ Luật Bảo hiểm xã hội số 41/2024/QH15 ngày 29 tháng 6 năm 2024", 200)], 900, (2, 1)),
        _line([("Xét đề nghị của Trưởng phòng Chế độ bảo hiểm xã hội", 200)], 960, (2, 1))]


def test_a_header_read_across_the_gutter_comes_out_block_by_block() -> None:
    merged = _reading([
        _line([("BẢO HIỂM XÃ HỘI VIỆT NAM", 150), ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 1150)], 200),
        _line([("BẢO HIỂM XÃ HỘI TỈNH", 200), ("Độc lập - Tự do - Hạnh phúc", 1350)], 260),
        _line([("Số: 123/QĐ-BHXH", 250), ("Phú Thọ, ngày 12 tháng 3 năm 2025", 1300)], 340),
        *BODY,
    ])

    read = read_letterhead(merged, WIDTH, HEIGHT)

    assert read.text.split("\n\n") == [
        "BẢO HIỂM XÃ HỘI VIỆT NAM\nBẢO HIỂM XÃ HỘI TỈNH\nSố: 123/QĐ-BHXH",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nPhú Thọ, ngày 12 tháng 3 năm 2025",
        "Căn cứ Luật Bảo hiểm xã hội số 41/2024/QH15 ngày 29 tháng 6 năm 2024\n"
        "Xét đề nghị của Trưởng phòng Chế độ bảo hiểm xã hội",
    ]
    assert sorted(read.words, key=id) == sorted(merged.words, key=id)  # the very words and boxes
    assert read.confidence == merged.confidence
    left_block = read.lines[0]
    assert left_block.left == 150 and left_block.left + left_block.width < 1150


def test_a_centred_header_is_left_as_read() -> None:
    centred = _reading([
        _line([("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 700)], 200),
        _line([("Độc lập - Tự do - Hạnh phúc", 850)], 260),
        _line([("ĐƠN ĐỀ NGHỊ", 1050)], 400),
        *BODY,
    ])

    assert read_letterhead(centred, WIDTH, HEIGHT) is centred


def test_one_line_beside_another_is_not_a_letterhead() -> None:
    """A receipt's "Quầy:001   NVBH:0902" is one line of two fields, not two blocks."""
    single = _reading([_line([("Quầy:001", 150), ("NVBH:09020497", 1500)], 200), *BODY])

    assert read_letterhead(single, WIDTH, HEIGHT) is single


def test_columns_below_the_top_of_the_page_are_not_a_letterhead() -> None:
    """Label and value columns of a form body (Chức vụ : Tổng giám đốc) stay line by line."""
    low = [_line([("Chức vụ", 150), (": Tổng giám đốc", 1000)], 1500 + 60 * i, (3, 1)) for i in range(3)]
    form = _reading([_line([("HỢP ĐỒNG MUA BÁN", 900)], 300), *low])

    assert read_letterhead(form, WIDTH, HEIGHT) is form


AGENCY = ["BẢO HIỂM XÃ HỘI VIỆT NAM", "BẢO HIỂM XÃ HỘI TỈNH PHÚ THỌ", "Số: 125/QĐ-BHXH"]
MOTTO = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Phú Thọ, ngày 12 tháng 3 năm 2025"]
DECISION = ["QUYẾT ĐỊNH", "Về việc hưởng lương hưu hằng tháng",
            "Căn cứ Luật Bảo hiểm xã hội số 41/2024/QH15 ngày 29 tháng 6 năm 2024;"]


def _decision_page(dpi: int = 300, pt: float = 12) -> Image.Image:
    """An A4 decision whose agency block stands beside the national motto, each block centred on its half."""
    font, width = _font(pt, dpi), int(8.27 * dpi)
    page = Image.new("L", (width, int(11.69 * dpi)), 255)
    draw, step, top = ImageDraw.Draw(page), int(pt / 72 * dpi * 1.5), int(0.6 * dpi)
    for centre, block in ((0.3, AGENCY), (0.72, MOTTO)):
        for i, text in enumerate(block):
            draw.text((int(centre * width - draw.textlength(text, font=font) / 2), top + i * step), text,
                      font=font, fill=0)
    for i, text in enumerate(DECISION):
        draw.text((int(0.12 * width), top + (5 + i) * step), text, font=font, fill=0)
    return page


def test_a_decision_is_read_agency_block_then_motto(pool: PagePool, tmp_path: Path, out_pdf: Path) -> None:
    """Tesseract reads this header across the gutter ("BẢO HIỂM XÃ HỘI VIỆT NAM CỘNG HÒA XÃ HỘI ...")."""
    src = tmp_path / "decision.png"
    src.write_bytes(encode(_decision_page()))

    result = digitize(src, "image/png", out_pdf, pool)

    lines = [line for line in result.pages[0].text.splitlines() if line.strip()]
    assert lines[:6] == [*AGENCY, *MOTTO]
    assert lines[6:9] == DECISION
    assert_searchable(out_pdf, [AGENCY[1], MOTTO[0]])
