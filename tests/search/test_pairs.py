"""Plain words and word pairs: the same split as search.text, for every character."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search import _words, pairs
from search.text import tokens

WORD = re.compile(r"[^\W_]+")


PAIRS = pairs.pair_analyzer()


def expected(text: str) -> tuple[str, str]:
    """What page_texts must give: the regex's words, their pairs, the non-ASCII ones once in order."""
    words = WORD.findall(text.lower())
    diacritic = " ".join(dict.fromkeys(w for w in words if not w.isascii()))
    return diacritic, " ".join(f"{a}_{b}" for a, b in zip(words, words[1:]))


def agrees(texts: tuple[str, str] | None, text: str) -> bool:
    """`texts` are `text`'s: the same diacritic words, and pairs the index folds to the same terms
    (the compiled split folds most letters itself)."""
    want = expected(text)
    return texts is not None and texts[0] == want[0] and (
        texts[1] == want[1] or PAIRS.analyze(texts[1]) == PAIRS.analyze(want[1]))


def test_every_character_splits_as_the_query_side_does():
    wrong = []
    for code in range(0x110000):
        if 0xD800 <= code < 0xE000:
            continue
        c = chr(code)
        for text in (f"ab{c}cd “x”  y.. \n", f"{c}Đức_{c}{c}"):
            if not agrees(pairs.page_texts(text), text):
                wrong.append(hex(code))
    assert not wrong


# Vietnamese pages as typed and as OCR reads them: every character here is one the compiled split knows
_VIETNAMESE = list(
    "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
    "AĂÂĐÊÔƠƯÁẤỆỮß0123456789 \n\t.,;:-–—_/()[]\"'“”…•·×÷ºª²½µǅ\u00a0\u200b"
)
# ... and the odd character of another script, a combining mark, a lone surrogate: Python's split
_OTHERS = ["ж", "İ", "\u0301", "\u00ad", "€", "①", "ﬁ", "\ud800"]


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(_VIETNAMESE), max_size=300))
def test_the_compiled_split_gives_the_texts_of_the_words(page):
    assert agrees(_words.page_texts(page.lower()), page)


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(_VIETNAMESE + _OTHERS), max_size=300))
def test_a_page_gets_the_texts_of_its_words(page):
    assert agrees(pairs.page_texts(page), page)


def test_vietnamese_pages_take_the_compiled_split():
    page = "Số: 01/2023/TT-VPCP — “Bảo hiểm”\u00a0xã hội… BẢO HIỂM ĐỨC ưu tiên ½ º × ÷"
    assert agrees(_words.page_texts(page.lower()), page)
    assert _words.page_texts("bảo hiểm xã hội đức ǆ") == ("bảo hiểm xã hội đức ǆ", "bao_hiem hiem_xa xa_hoi hoi_duc duc_ǆ")
    assert _words.page_texts("bảo \u0301hiểm") is None  # a combining mark: Python's split
    assert _words.page_texts("a\ud800b") is None  # no UTF-8 for a lone surrogate
    assert pairs.page_texts("a\ud800b") == ("", "a_b")
    with pytest.raises(TypeError):
        _words.page_texts(b"bytes")


def test_words_of_a_page():
    diacritic, pair = pairs.page_texts("Số: 01/2023/TT-VPCP — “Bảo hiểm”\u00a0xã hội…")
    assert pair == "so_01 01_2023 2023_tt tt_vpcp vpcp_bao bao_hiem hiem_xa xa_hoi"
    assert diacritic == "số bảo hiểm xã hội"
    assert pairs.page_texts(" \n!") == ("", "") and pairs.page_texts("một") == ("một", "")
    assert pairs.page_texts("số 01 tt đức hiểm số")[0] == "số đức hiểm"


def test_a_phrase_has_the_pairs_its_page_has():
    analyzer = pairs.pair_analyzer()
    page = analyzer.analyze(pairs.page_texts("Sổ BẢO HIỂM; xã-hội của Đức")[1])
    assert page == ["so_bao", "bao_hiem", "hiem_xa", "xa_hoi", "hoi_cua", "cua_duc"]
    typed = tokens("bảo hiểm xã hội bảo hiểm")
    assert pairs.pairs_of(typed, analyzer) == ["bao_hiem", "hiem_xa", "xa_hoi", "hoi_bao"]
    assert set(pairs.pairs_of(tokens("hiểm xã hội"), analyzer)) <= set(page)


def test_diacritic_words_are_lowercased_and_long_ones_dropped():
    analyzer = pairs.diacritic_analyzer()
    assert analyzer.analyze(pairs.page_texts(f"ĐỨC an {'đ' * 61}")[0]) == ["đức"]


def test_the_compiled_fold_table_is_the_one_tantivy_folds_to(capsys):
    import runpy

    runpy.run_path(str(Path(__file__).resolve().parents[2] / "tools" / "fold_table.py"), run_name="__main__")
    source = (Path(__file__).resolve().parents[2] / "search" / "_words.c").read_text()
    assert capsys.readouterr().out in source, "search/_words.c's fold table: run tools/fold_table.py"
