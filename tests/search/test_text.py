"""Reading typed query text, and folding."""

from __future__ import annotations

import unicodedata

import pytest

from search import InvalidQuery
from search.text import Clause, fold, parse


def words(text: str) -> list[tuple[str, ...]]:
    return [c.words for c in parse(text)]


def test_fold_strips_vietnamese_diacritics_and_d_stroke():
    assert fold("Nguyễn Văn Đức ĐƯỜNG Ưởng Hoà") == "nguyen van duc duong uong hoa"
    assert fold(unicodedata.normalize("NFD", "Đặng Thị Thuỷ")) == "dang thi thuy"


def test_parse_words_phrases_and_code_chunks():
    assert words('Nguyễn  "bảo hiểm xã hội" 01/2023/TT-VPCP') == [
        ("nguyễn",),
        ("bảo", "hiểm", "xã", "hội"),
        ("01", "2023", "tt", "vpcp"),
    ]
    assert parse('"xã hội"')[0] == Clause(("xã", "hội")) and parse('"xã hội"')[0].is_phrase


def test_parse_is_lenient():
    assert words('"unclosed phrase') == [("unclosed", "phrase")]
    assert words('foo:bar ( ) * \\ "" AND') == [("foo", "bar"), ("and",)]
    assert words("đức Đức ĐỨC") == [("đức",)]  # duplicates collapse
    assert words("  ") == []


def test_parse_refuses_huge_queries():
    with pytest.raises(InvalidQuery):
        parse(" ".join(f"w{i}" for i in range(100)))
    with pytest.raises(InvalidQuery):
        parse("x" * 2000)
