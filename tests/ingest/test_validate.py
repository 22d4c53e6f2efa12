"""Upload validation: each bad input is refused with a clear code before anything is stored."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from api.errors import status_of
from core.errors import Rejected
from ingest.validate import Limits, clean_filename, receive
from tests import samples

LIMITS = Limits(max_bytes=5 * 1024 * 1024, max_pages=20, max_image_pixels=120_000_000)


def check(data: bytes, name: str, tmp_path: Path, limits: Limits = LIMITS):
    return receive(io.BytesIO(data), name, limits, tmp_path)


def refused(data: bytes, name: str, tmp_path: Path, limits: Limits = LIMITS) -> Rejected:
    with pytest.raises(Rejected) as info:
        check(data, name, tmp_path, limits)
    assert not list(tmp_path.iterdir()), "a refused upload must leave no temp file behind"
    assert info.value.message and info.value.code
    return info.value


@pytest.mark.parametrize("name,data,media_type,pages", [
    ("giay-khai-sinh.png", samples.png_page(), "image/png", 1),
    ("to-khai.JPG", samples.jpeg_page(), "image/jpeg", 1),
    ("ho-so.tiff", samples.tiff_pages([["Trang một"], ["Trang hai"], ["Trang ba"]]), "image/tiff", 3),
    ("ban-quet.pdf", samples.scanned_pdf([["Trang một"], ["Trang hai"]]), "application/pdf", 2),
    ("không-đuôi", samples.png_page(), "image/png", 1),
])
def test_accepts_scans_and_sniffs_type_from_bytes(tmp_path, name, data, media_type, pages):
    checked = check(data, name, tmp_path)
    assert (checked.media_type, checked.page_count, checked.size) == (media_type, pages, len(data))
    assert checked.path.read_bytes() == data
    assert len(checked.sha256) == 64


@pytest.mark.parametrize("maker,name,status,code", [
    (lambda: b"", "rong.pdf", 400, "empty_file"),
    (samples.corrupt_pdf, "hong.pdf", 400, "corrupt_pdf"),
    (samples.encrypted_pdf, "mat-khau.pdf", 400, "encrypted_pdf"),
    (lambda: samples.blank_pdf(0), "khong-trang.pdf", 400, "empty_pdf"),
    (samples.corrupt_png, "anh-hong.png", 400, "corrupt_image"),
    (samples.bomb_png, "bom.png", 413, "image_too_large"),
    (lambda: samples.blank_pdf(21), "dai.pdf", 413, "too_many_pages"),
    (lambda: b"Xin chao, day la van ban", "ghi-chu.txt", 415, "unsupported_type"),
])
def test_refuses_bad_input_with_a_clear_code(tmp_path, maker, name, status, code):
    error = refused(maker(), name, tmp_path)
    assert (status_of(error), error.code) == (status, code)


@pytest.mark.parametrize("maker, name, media_type", [
    (samples.png_page, "that-ra-la-anh.pdf", "image/png"),
    (lambda: samples.scanned_pdf([["x"]]), "tai-lieu.jpg", "application/pdf"),
    (lambda: samples.scanned_pdf([["x"]]), "tai-lieu.exe", "application/pdf"),
])
def test_a_supported_file_whose_name_lies_is_taken_by_what_it_is(tmp_path, maker, name, media_type):
    """A clerk cannot rename a camera file: the bytes decide, and the mismatch is kept as a warning."""
    checked = check(maker(), name, tmp_path)
    assert (checked.media_type, checked.warnings, checked.filename) == (media_type, ("extension_mismatch",), name)


def test_a_file_named_for_what_it_is_has_no_warning(tmp_path):
    assert check(samples.png_page(), "anh.png", tmp_path).warnings == ()


def test_truncated_pdf_is_refused_or_readable(tmp_path):
    """pdfium repairs some truncations; whatever it cannot read must be refused, not crash."""
    try:
        checked = check(samples.truncated_pdf(), "cut.pdf", tmp_path)
    except Rejected as exc:
        assert exc.code == "corrupt_pdf"
    else:
        assert checked.page_count >= 1


def test_oversized_upload_stops_while_streaming(tmp_path):
    error = refused(b"%PDF-" + b"0" * (LIMITS.max_bytes + 10), "to.pdf", tmp_path)
    assert (status_of(error), error.code) == (413, "file_too_large")


def test_giant_pdf_page_would_rasterize_to_a_bomb(tmp_path):
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(14400, 14400))  # 200 × 200 inches
    buf = io.BytesIO()
    pdf.save(buf)
    error = refused(buf.getvalue(), "poster.pdf", tmp_path)
    assert error.code == "page_too_large"


@pytest.mark.parametrize("name", ["../../etc/passwd.png", "a/b.png", "..\\x.png", "..", "a\x00b.png",
                                  "dòng\nmới.png", "rtl\u202egnp.exe"])
def test_filename_tricks_are_refused(name):
    with pytest.raises(Rejected) as info:
        clean_filename(name)
    assert info.value.code == "invalid_filename"


def test_vietnamese_filenames_are_kept_and_normalised():
    decomposed = "Giấy khai sinh.pdf".encode().decode()  # composed input stays composed
    assert clean_filename(decomposed) == "Giấy khai sinh.pdf"
    import unicodedata

    assert clean_filename(unicodedata.normalize("NFD", "Đức.png")) == "Đức.png"
    assert clean_filename(None) == "upload"
