"""A document's warnings in the counter's words: per page where they name one, rescans asked for
exactly where a new scan would help."""
from __future__ import annotations

from ingest.warning_notes import notices


def test_each_warning_reads_as_a_sentence_and_says_whether_to_rescan():
    found = notices(["extension_mismatch", "low_resolution:p1", "low_confidence:p2", "below_200_dpi"],
                    {"warnings": ["owner_mismatch"], "owner_mismatch": {}}, "image/jpeg")
    assert [(n.code, n.page, n.rescan) for n in found] == [
        ("extension_mismatch", None, False), ("low_resolution", 1, True), ("low_confidence", 2, True),
        ("below_200_dpi", None, True), ("owner_mismatch", None, False)]
    messages = [n.message for n in found]
    assert messages[0] == "Tên tệp ghi sai loại tệp: thực chất là ảnh JPEG; đã nhận theo nội dung tệp."
    assert messages[1].startswith("Trang 1 chữ quá nhỏ") and messages[2] == "Trang 2 mờ, khó đọc, đề nghị quét lại."
    assert "200 dpi" in messages[3] and "không khớp" in messages[4]


def test_no_warnings_no_notices_and_an_unknown_one_is_still_shown():
    assert notices(None, None, "application/pdf") == [] and notices([], {}, "application/pdf") == []
    [unknown] = notices(["split_uncertain:p3"], None, "application/pdf")
    assert (unknown.code, unknown.page, unknown.rescan) == ("split_uncertain", 3, False)
    assert "split_uncertain" in unknown.message
