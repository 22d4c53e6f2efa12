"""Files a counter receives that cannot be read: always an UnreadableDocument, never a library error."""

from __future__ import annotations

import pickle
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest

from ocr import PagePool, UnreadableDocument, UnsupportedMediaType, digitize
from ocr.errors import CorruptDocument, EmptyDocument, EncryptedDocument, ImageTooLarge, OcrError
from tests.render import ADMIN_LINES, encode, image_pdf, render_lines, text_pdf


def png_header(width: int, height: int) -> bytes:
    """A syntactically valid PNG that claims ``width`` x ``height`` pixels but holds almost nothing."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


@pytest.fixture
def scan_pdf(tmp_path: Path) -> Path:
    return image_pdf([render_lines(ADMIN_LINES)], tmp_path / "scan.pdf")


def assert_refused(pool: PagePool, src: Path, media_type: str, error: type[OcrError], code: str) -> None:
    out = src.parent / "out" / "searchable.pdf"
    out.parent.mkdir(exist_ok=True)
    with pytest.raises(error) as caught:
        digitize(src, media_type, out, pool)
    assert caught.value.code == code
    assert not caught.value.message.isascii()  # Vietnamese, for the clerk
    assert list(out.parent.iterdir()) == []  # nothing written, no temp file left


@pytest.fixture
def bad(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "bad"


def test_garbage_pdf(pool: PagePool, bad: Path) -> None:
    bad.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20 + b"\n%%EOF\n")
    assert_refused(pool, bad, "application/pdf", CorruptDocument, "corrupt")


def test_truncated_pdf(pool: PagePool, scan_pdf: Path, bad: Path) -> None:
    data = scan_pdf.read_bytes()
    bad.write_bytes(data[: len(data) * 2 // 3])
    assert_refused(pool, bad, "application/pdf", CorruptDocument, "corrupt")


def test_encrypted_pdf(pool: PagePool, scan_pdf: Path, bad: Path) -> None:
    with pikepdf.open(scan_pdf) as pdf:
        pdf.save(bad, encryption=pikepdf.Encryption(user="mat-khau", owner="chu-so-huu"))
    assert_refused(pool, bad, "application/pdf", EncryptedDocument, "encrypted")


def test_pdf_without_pages(pool: PagePool, bad: Path) -> None:
    pikepdf.new().save(bad)
    assert_refused(pool, bad, "application/pdf", EmptyDocument, "empty")


def test_empty_file(pool: PagePool, bad: Path) -> None:
    bad.write_bytes(b"")
    assert_refused(pool, bad, "image/png", EmptyDocument, "empty")


def test_not_an_image(pool: PagePool, bad: Path) -> None:
    bad.write_bytes(b"Day khong phai la anh")
    assert_refused(pool, bad, "image/jpeg", CorruptDocument, "corrupt")


def test_png_with_broken_pixels(pool: PagePool, bad: Path) -> None:
    """The header is fine (triage passes); decoding fails in the worker."""
    png = encode(render_lines(ADMIN_LINES))
    bad.write_bytes(png[:200] + b"\x00" * 5000 + png[-12:])
    assert_refused(pool, bad, "image/png", CorruptDocument, "corrupt")


def test_truncated_jpeg(pool: PagePool, bad: Path) -> None:
    jpeg = encode(render_lines(ADMIN_LINES), "JPEG")
    bad.write_bytes(jpeg[: len(jpeg) // 2])
    assert_refused(pool, bad, "image/jpeg", CorruptDocument, "corrupt")


def test_decompression_bomb(pool: PagePool, bad: Path) -> None:
    bad.write_bytes(png_header(40_000, 40_000))
    assert_refused(pool, bad, "image/png", ImageTooLarge, "too_large")


def test_image_over_the_pool_limit(tmp_path: Path, bad: Path) -> None:
    bad.write_bytes(encode(render_lines(ADMIN_LINES)))  # ~1.4 Mpx
    with PagePool(1, max_image_pixels=1_000_000) as small:
        assert_refused(small, bad, "image/png", ImageTooLarge, "too_large")


def test_oversized_pdf_page_is_rendered_at_lower_dpi(tmp_path: Path) -> None:
    """A PDF page is not a bomb: it is rasterized at the dpi that fits the limit."""
    src = image_pdf([render_lines(ADMIN_LINES)], tmp_path / "scan.pdf")
    with PagePool(1, max_image_pixels=600_000) as small:
        result = digitize(src, "application/pdf", tmp_path / "out.pdf", small)
    assert result.pages[0].source == "ocr"


def test_unsupported_media_type(pool: PagePool, bad: Path) -> None:
    bad.write_bytes(b"GIF89a")
    assert_refused(pool, bad, "image/gif", UnsupportedMediaType, "unsupported_type")
    assert not issubclass(UnsupportedMediaType, UnreadableDocument)


def test_pdf_with_owner_password_only_is_readable(pool: PagePool, tmp_path: Path) -> None:
    """Many official PDFs restrict printing with an owner password but open without one."""
    src = tmp_path / "restricted.pdf"
    with pikepdf.open(text_pdf([ADMIN_LINES], tmp_path / "digital.pdf")) as pdf:
        pdf.save(src, encryption=pikepdf.Encryption(user="", owner="chu-so-huu"))
    result = digitize(src, "application/pdf", tmp_path / "out.pdf", pool)
    assert result.pages[0].text.splitlines() == ADMIN_LINES


def test_errors_survive_the_process_boundary() -> None:
    error = pickle.loads(pickle.dumps(ImageTooLarge("50000x50000 px")))
    assert isinstance(error, UnreadableDocument)
    assert (error.code, error.detail) == ("too_large", "50000x50000 px")
    assert str(error) == "too_large: 50000x50000 px"


def test_a_killed_worker_fails_its_document_and_the_pool_recovers(tmp_path: Path) -> None:
    """A worker killed mid-page (e.g. by the kernel for memory): OcrFailed, then the next document works."""
    import os
    import signal
    import threading
    import time

    from ocr import OcrFailed

    src = image_pdf([render_lines(ADMIN_LINES * 8, page_in=(8.27, 11.69))] * 2, tmp_path / "long.pdf")
    with PagePool(1) as pool:
        pool.start()
        workers = list(pool._executor._processes)  # noqa: SLF001 (test reaches in to kill one)
        killer = threading.Timer(0.5, os.kill, (workers[0], signal.SIGKILL))
        killer.start()
        started = time.monotonic()
        with pytest.raises(OcrFailed):
            digitize(src, "application/pdf", tmp_path / "out.pdf", pool)
        assert time.monotonic() - started < 60
        killer.join()

        small = image_pdf([render_lines(ADMIN_LINES)], tmp_path / "small.pdf")
        result = digitize(small, "application/pdf", tmp_path / "out.pdf", pool)
        assert "001203004567" in result.text
