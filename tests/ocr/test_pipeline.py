"""digitize() end to end on real Tesseract: every input kind, turned and crooked pages, the searchable PDF."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pdfplumber
import pikepdf
import pytest
from PIL import Image, ImageDraw

from ocr import PagePool, digitize
from ocr.textlayer import page_words
from tests.ocr.conftest import assert_searchable, squash
from tests.render import A4_INCHES, ADMIN_LINES, encode, image_pdf, render_lines, rotated, skewed, text_pdf

pytestmark = pytest.mark.e2e

KEY_PHRASES = ["GIẤY KHAI SINH", "Nguyễn Văn Đức", "001203004567"]
BIRTH_LINES = [
    *ADMIN_LINES,
    "Ngày sinh: 12 tháng 03 năm 2003",
    "Nơi sinh: Bệnh viện Phụ sản Hà Nội",
    "Quốc tịch: Việt Nam",
]
"""Enough text for Tesseract's orientation detection, which needs a few lines."""

INSURANCE_LINES = ["TỜ KHAI THAM GIA BẢO HIỂM XÃ HỘI", "Mã số BHXH: 0123456789", "Nơi cư trú: Phường Bến Nghé"]


def assert_read(text: str, phrases: list[str] = KEY_PHRASES) -> None:
    for phrase in phrases:
        assert squash(phrase) in squash(text), (phrase, text)


def test_png_page(pool: PagePool, tmp_path: Path, out_pdf: Path) -> None:
    src = tmp_path / "page.png"
    src.write_bytes(encode(render_lines(ADMIN_LINES)))

    result = digitize(src, "image/png", out_pdf, pool)

    [page] = result.pages
    assert (page.number, page.source, page.rotation, page.skew) == (1, "ocr", 0, 0.0)
    assert_read(page.text, ADMIN_LINES)
    assert page.confidence is not None and page.confidence > 85
    assert result.mean_confidence == page.confidence
    number = next(w for w in page.words if w.text == "001203004567")
    assert number.conf > 80 and number.width > 4 * number.height > 0
    assert_searchable(out_pdf, KEY_PHRASES)
    assert [p.name for p in out_pdf.parent.iterdir()] == [out_pdf.name]  # no temp file left behind


def test_jpeg_with_exif_orientation(pool: PagePool, tmp_path: Path, out_pdf: Path) -> None:
    """A phone stores the picture sideways and says so in EXIF (orientation 6: turn 90° clockwise)."""
    stored = rotated(render_lines(ADMIN_LINES).convert("RGB"), 90)
    exif = Image.Exif()
    exif[0x0112] = 6
    src = tmp_path / "photo.jpg"
    src.write_bytes(encode(stored, "JPEG", quality=90, exif=exif))

    [page] = digitize(src, "image/jpeg", out_pdf, pool).pages

    assert page.rotation == 90
    assert_read(page.text)
    assert_searchable(out_pdf, KEY_PHRASES)
    with pikepdf.open(out_pdf) as pdf:  # shown upright: landscape image became a portrait page
        box = pdf.pages[0].mediabox
        assert box[2] > box[3]


def test_multipage_tiff_reports_progress(pool: PagePool, tmp_path: Path, out_pdf: Path) -> None:
    first, second = render_lines(ADMIN_LINES), render_lines(INSURANCE_LINES)
    src = tmp_path / "scan.tiff"
    first.save(src, "TIFF", save_all=True, append_images=[second], compression="tiff_lzw", dpi=(300, 300))
    calls: list[tuple[int, int]] = []

    result = digitize(src, "image/tiff", out_pdf, pool, progress=lambda done, total: calls.append((done, total)))

    assert calls == [(1, 2), (2, 2)]
    assert [p.number for p in result.pages] == [1, 2]
    assert_read(result.pages[0].text)
    assert_read(result.pages[1].text, ["Mã số BHXH: 0123456789"])
    assert result.text.split("\f")[1].strip() == result.pages[1].text.strip()
    assert_searchable(out_pdf, KEY_PHRASES, ["0123456789"])


def test_scanned_pdf_keeps_original_page(pool: PagePool, tmp_path: Path, out_pdf: Path) -> None:
    src = image_pdf([render_lines(ADMIN_LINES)], tmp_path / "scan.pdf")

    [page] = digitize(src, "application/pdf", out_pdf, pool).pages

    assert page.source == "ocr"
    assert_read(page.text)
    assert_searchable(out_pdf, KEY_PHRASES)
    with pikepdf.open(src) as before, pikepdf.open(out_pdf) as after:
        [original] = before.pages[0].get_images().values()
        [kept] = after.pages[0].get_images().values()
        assert kept.read_raw_bytes() == original.read_raw_bytes()  # not re-encoded


def test_scan_with_watermark_text_is_ocred(pool: PagePool, tmp_path: Path, out_pdf: Path) -> None:
    """A scanner app stamps a line of real text on the scan: that is not a text layer."""
    from fpdf import FPDF

    png = tmp_path / "page.png"
    png.write_bytes(encode(render_lines(ADMIN_LINES, page_in=A4_INCHES)))
    pdf = FPDF(format="A4", unit="pt")
    pdf.add_page()
    pdf.image(str(png), x=0, y=0, w=595)
    pdf.set_font("helvetica", size=8)
    pdf.text(20, 830, "Scanned with CamScanner")
    pdf.output(str(tmp_path / "stamped.pdf"))

    [page] = digitize(tmp_path / "stamped.pdf", "application/pdf", out_pdf, pool).pages

    assert page.source == "ocr"
    assert_read(page.text)


def test_born_digital_pdf_runs_no_ocr(tmp_path: Path, out_pdf: Path) -> None:
    src = text_pdf([ADMIN_LINES, INSURANCE_LINES], tmp_path / "digital.pdf")
    closed = PagePool(1)
    closed.close()  # any OCR attempt would raise

    result = digitize(src, "application/pdf", out_pdf, closed)

    assert [(p.source, p.confidence) for p in result.pages] == [("text-layer", None)] * 2
    assert result.mean_confidence is None
    assert result.pages[0].text.splitlines() == ADMIN_LINES
    assert out_pdf.read_bytes() == src.read_bytes()
    words = page_words(src, 2)
    assert "0123456789" in [w.text for w in words]


def test_mixed_pdf(pool: PagePool, tmp_path: Path, out_pdf: Path) -> None:
    src = tmp_path / "mixed.pdf"
    text_pdf([INSURANCE_LINES], tmp_path / "digital.pdf")
    image_pdf([render_lines(ADMIN_LINES)], tmp_path / "scan.pdf")
    with pikepdf.open(tmp_path / "digital.pdf") as mixed, pikepdf.open(tmp_path / "scan.pdf") as scan:
        mixed.pages.extend(scan.pages)
        mixed.save(src)
    calls: list[tuple[int, int]] = []

    result = digitize(src, "application/pdf", out_pdf, pool, progress=lambda *a: calls.append(a))

    assert [p.source for p in result.pages] == ["text-layer", "ocr"]
    assert calls == [(1, 2), (2, 2)]
    assert result.mean_confidence == result.pages[1].confidence
    assert result.to_json()["pages"][0] == {"number": 1, "text": result.pages[0].text, "confidence": None, "warnings": []}
    assert_searchable(out_pdf, ["Mã số BHXH: 0123456789"], KEY_PHRASES)


def test_skewed_scan_is_straightened(pool: PagePool, tmp_path: Path, out_pdf: Path) -> None:
    src = image_pdf([skewed(render_lines(BIRTH_LINES, page_in=(6.5, 4)), 3)], tmp_path / "crooked.pdf")

    [page] = digitize(src, "application/pdf", out_pdf, pool).pages

    assert page.skew == pytest.approx(3.0, abs=0.2)
    assert_read(page.text)
    assert_searchable(out_pdf, KEY_PHRASES)
    with pikepdf.open(src) as before, pikepdf.open(out_pdf) as after:
        [original] = before.pages[0].get_images().values()
        [replaced] = after.pages[0].get_images().values()
        assert replaced.read_raw_bytes() != original.read_raw_bytes()


@pytest.mark.parametrize(("turned", "kind"), [(90, "application/pdf"), (180, "image/png"), (270, "image/png")])
def test_turned_page_is_put_upright(pool: PagePool, tmp_path: Path, out_pdf: Path, turned: int, kind: str) -> None:
    sideways = rotated(render_lines(BIRTH_LINES), turned)  # counter-clockwise, as lying in the scanner
    src = tmp_path / "turned"
    if kind == "application/pdf":
        image_pdf([sideways], src)
    else:
        src.write_bytes(encode(sideways))

    [page] = digitize(src, kind, out_pdf, pool).pages

    assert page.rotation == turned  # turned back clockwise by as much
    assert_read(page.text)
    assert page.confidence is not None and page.confidence > 80
    assert_searchable(out_pdf, KEY_PHRASES)


def test_text_lands_on_a_page_with_rotate(pool: PagePool, tmp_path: Path, out_pdf: Path) -> None:
    """The scan is stored sideways and the PDF's /Rotate shows it upright: the text must follow /Rotate."""
    src = image_pdf([rotated(render_lines(ADMIN_LINES), 90)], tmp_path / "rotate.pdf")
    with pikepdf.open(src, allow_overwriting_input=True) as pdf:
        pdf.pages[0].Rotate = 90
        pdf.save(src)

    [page] = digitize(src, "application/pdf", out_pdf, pool).pages

    assert page.rotation == 0  # PDFium already shows it upright
    with pdfplumber.open(out_pdf) as pdf:
        shown = pdf.pages[0]
        [title] = shown.search("GIẤY KHAI SINH")
        [number] = shown.search("001203004567")
    assert title["top"] < number["top"]  # read top to bottom
    assert title["x1"] - title["x0"] > 3 * (title["bottom"] - title["top"])  # along a horizontal line


def test_documents_share_the_pool_from_threads(pool: PagePool, tmp_path: Path) -> None:
    texts = {"a": ADMIN_LINES, "b": INSURANCE_LINES}
    results: dict[str, str] = {}

    def run(name: str) -> None:
        src = tmp_path / f"{name}.png"
        src.write_bytes(encode(render_lines(texts[name])))
        results[name] = digitize(src, "image/png", tmp_path / f"{name}.pdf", pool).text

    threads = [threading.Thread(target=run, args=(name,)) for name in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert_read(results["a"])
    assert_read(results["b"], ["Mã số BHXH: 0123456789"])


@pytest.mark.parametrize("mode", ["LA", "I;16", "P"])
def test_unusual_pixel_formats_are_normalised(pool: PagePool, tmp_path: Path, out_pdf: Path, mode: str) -> None:
    page = render_lines(ADMIN_LINES)
    if mode == "I;16":
        odd = Image.fromarray(np.asarray(page, dtype=np.uint16) * 257)
    else:
        odd = page.convert(mode)
    src = tmp_path / "odd.png"
    odd.save(src, "PNG", dpi=(300, 300))
    assert Image.open(src).mode.startswith(mode[0])

    assert_read(digitize(src, "image/png", out_pdf, pool).text)


@pytest.mark.parametrize("seal", [False, True])
def test_straightened_page_keeps_its_colours(pool: PagePool, tmp_path: Path, out_pdf: Path, seal: bool) -> None:
    """A red seal must stay red on the re-encoded page; a gray scan stays gray (smaller)."""
    page = render_lines(BIRTH_LINES, page_in=(6.5, 4)).convert("RGB")
    if seal:
        ImageDraw.Draw(page).ellipse((1300, 500, 1800, 1000), outline=(220, 30, 30), width=18)
    src = image_pdf([skewed(page, -2)], tmp_path / "seal.pdf")

    [result] = digitize(src, "application/pdf", out_pdf, pool).pages

    assert result.skew == pytest.approx(-2.0, abs=0.2)
    with pikepdf.open(out_pdf) as pdf:
        [image] = pdf.pages[0].get_images().values()
        assert image.ColorSpace == ("/DeviceRGB" if seal else "/DeviceGray")


def test_one_worker_reads_frames_at_their_own_resolutions(tmp_path: Path, out_pdf: Path) -> None:
    """One worker reads the three frames in turn. The TIFF records no resolution, so each
    frame is taken to be about an A4 sheet, a different dpi per frame size."""
    frames = [render_lines(ADMIN_LINES), render_lines(INSURANCE_LINES, dpi=200), render_lines(BIRTH_LINES[5:])]
    src = tmp_path / "scan.tiff"
    frames[0].save(src, "TIFF", save_all=True, append_images=frames[1:], compression="tiff_lzw")
    calls: list[tuple[int, int]] = []

    with PagePool(1) as single:
        result = digitize(src, "image/tiff", out_pdf, single, progress=lambda *a: calls.append(a))

    assert calls == [(1, 3), (2, 3), (3, 3)]
    assert_read(result.pages[0].text)
    assert_read(result.pages[1].text, ["Mã số BHXH: 0123456789"])
    assert_read(result.pages[2].text, ["Quốc tịch: Việt Nam"])
    with pikepdf.open(out_pdf) as pdf:
        sizes = [(float(p.mediabox[2]), float(p.mediabox[3])) for p in pdf.pages]
    for (width, height), frame in zip(sizes, frames, strict=True):
        assert width / height == pytest.approx(frame.width / frame.height, rel=0.01)
        assert max(width / 595.44, height / 841.68) < 1.5  # about an A4 sheet, not a poster


def test_blank_page_is_quick_and_empty(pool: PagePool, tmp_path: Path, out_pdf: Path) -> None:
    """The back of a duplex scan: no text, no confidence, no orientation search, still a page."""
    src = image_pdf([render_lines(ADMIN_LINES), render_lines([""], page_in=(6, 4))], tmp_path / "duplex.pdf")

    result = digitize(src, "application/pdf", out_pdf, pool)

    assert [(p.text, p.confidence, p.rotation) for p in result.pages[1:]] == [("", None, 0)]
    assert result.mean_confidence == result.pages[0].confidence
    assert_searchable(out_pdf, KEY_PHRASES, [])


def test_low_resolution_photo_is_enlarged_for_reading_and_flagged(pool: PagePool, tmp_path: Path, out_pdf: Path) -> None:
    """A 75 dpi picture of a form: read from an enlarged copy, but the archive and the text layer keep
    the picture as it came, and the page says a rescan would read better."""
    lines = [*BIRTH_LINES, "Nay tôi làm đơn này kính xin Ban Công an xã cho tôi được đăng kí tạm trú tại"]
    picture = render_lines(lines, dpi=75, font_pt=10)
    src = tmp_path / "small.png"
    src.write_bytes(encode(picture))

    result = digitize(src, "image/png", out_pdf, pool)

    [page] = result.pages
    assert_read(page.text, ["GIẤY KHAI SINH", "Nguyễn Văn Đức", "Bệnh viện Phụ sản Hà Nội"])
    assert "low_resolution" in page.warnings and result.warnings[0] == "low_resolution:p1"
    word = next(w for w in page.words if w.text == "Đức")  # boxes are in the picture's pixels
    assert 0 < word.left and word.left + word.width <= picture.width and word.top + word.height <= picture.height
    with pdfplumber.open(out_pdf) as pdf:
        [pdf_page] = pdf.pages
        scale = pdf_page.width / picture.width  # points per picture pixel
        assert pdf_page.height == pytest.approx(picture.height * scale)
        [image] = pdf_page.images
        assert (image["srcsize"][0], image["srcsize"][1]) == picture.size  # the original, not the enlarged copy
    [found] = [w for w in page_words(out_pdf, 1) if w.text == "Đức"]
    assert found.left == pytest.approx(word.left * scale, abs=2)
    assert found.top == pytest.approx(word.top * scale, abs=word.height * scale)  # the layer sits on its line box


def test_photographed_sheet_is_read_square_on_and_its_words_lie_on_the_photo(
    pool: PagePool, tmp_path: Path, out_pdf: Path
) -> None:
    from tests.ocr.test_sheet import CORNERS, photo

    picture, _ = photo()
    src = tmp_path / "desk.png"
    src.write_bytes(encode(Image.fromarray(picture).convert("RGB")))

    result = digitize(src, "image/png", out_pdf, pool)

    [page] = result.pages
    assert_read(page.text, KEY_PHRASES)
    assert page.skew == 0.0  # squaring the sheet straightened it
    word = next(w for w in page.words if w.text == "001203004567")
    x0, y0 = CORNERS.min(axis=0)
    x1, y1 = CORNERS.max(axis=0)
    assert x0 <= word.left and word.left + word.width <= x1 and y0 <= word.top and word.top + word.height <= y1
    with pdfplumber.open(out_pdf) as pdf:
        [image] = pdf.pages[0].images
        assert (image["srcsize"][0], image["srcsize"][1]) == (picture.shape[1], picture.shape[0])
