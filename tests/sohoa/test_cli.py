"""``sohoa ocr FILE --json`` reports the document type, alternatives and fields."""
from __future__ import annotations

import json

from click.testing import CliRunner

from core.settings import get_settings
from sohoa import cli
from tests.render import ADMIN_LINES, encode, render_lines


def test_ocr_json_has_type_and_fields(tmp_path, monkeypatch):
    monkeypatch.setenv("SOHOA_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("SOHOA_OCR_WORKERS", "1")
    get_settings.cache_clear()
    page = tmp_path / "giay-khai-sinh.png"
    page.write_bytes(encode(render_lines(ADMIN_LINES, dpi=200)))
    try:
        result = CliRunner().invoke(cli.main, ["ocr", str(page), "--json"], catch_exceptions=False)
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)  # log lines go to stderr
    assert body["document_type"]["code"] == "HT01" and body["document_type"]["name"] == "Giấy khai sinh"
    assert 0 < body["document_type"]["confidence"] <= 1
    assert len(body["alternatives"]) == 3 and isinstance(body["needs_review"], bool)
    assert body["fields"]["personal_id"]["value"] == "001203004567"
    assert body["fields"]["full_name"]["value"] == "Nguyễn Văn Đức"
    assert "pages" in body and "GIẤY KHAI SINH" in body["text"]
