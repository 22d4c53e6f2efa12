"""``sohoa ocr FILE``: the text of a page, or the refusal's code and message (no traceback)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from sohoa import cli
from core.settings import get_settings
from tests.render import ADMIN_LINES, encode, render_lines


def _ocr(tmp_path, monkeypatch, *args: str):
    monkeypatch.setenv("SOHOA_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("SOHOA_OCR_WORKERS", "1")
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(cli.main, ["ocr", *args])
    finally:
        get_settings.cache_clear()


def test_ocr_prints_the_page_text_and_writes_the_pdf(tmp_path, monkeypatch) -> None:
    page = tmp_path / "giay-khai-sinh.png"
    page.write_bytes(encode(render_lines(ADMIN_LINES, dpi=200)))
    pdf = tmp_path / "out.pdf"

    result = _ocr(tmp_path, monkeypatch, str(page), "--pdf", str(pdf))

    assert result.exit_code == 0, result.output
    assert "GIẤY KHAI SINH" in result.output and "Nguyễn Văn Đức" in result.output
    assert pdf.read_bytes().startswith(b"%PDF-")


def test_ocr_refuses_what_is_not_a_document(tmp_path, monkeypatch) -> None:
    fake = tmp_path / "scan.png"
    fake.write_text("không phải ảnh", encoding="utf-8")

    result = _ocr(tmp_path, monkeypatch, str(fake))

    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "Error: unsupported_type: Định dạng tệp không được hỗ trợ" in result.output


def test_ocr_prints_only_the_text(tmp_path) -> None:
    """A clerk pipes the text on: no library's start-up notice may land on the terminal."""
    page = tmp_path / "giay-khai-sinh.png"
    page.write_bytes(encode(render_lines(ADMIN_LINES, dpi=200)))
    env = {**os.environ, "SOHOA_DATA_DIR": str(tmp_path / "var"), "SOHOA_OCR_WORKERS": "1"}

    done = subprocess.run([str(Path(sys.executable).with_name("sohoa")), "ocr", str(page)], env=env,
                          capture_output=True, text=True, timeout=120, check=False)

    assert done.returncode == 0, done.stderr
    assert "GIẤY KHAI SINH" in done.stdout
    assert done.stderr == ""
