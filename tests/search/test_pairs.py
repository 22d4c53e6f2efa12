"""Plain words and word pairs: the same split as search.text, for every character."""

from __future__ import annotations

import re

from search import pairs
from search.text import tokens

WORD = re.compile(r"[^\W_]+")


def test_plain_splits_as_the_query_side_does_for_every_character():
    wrong = []
    for code in range(0x110000):
        if 0xD800 <= code < 0xE000:
            continue
        c = chr(code)
        for text in (f"ab{c}cd “x”  y.. \n", f"{c}Đức_{c}{c}"):
            words = WORD.findall(text.lower())
            if pairs.page_texts(text)[1] != " ".join(f"{a}_{b}" for a, b in zip(words, words[1:])):
                wrong.append(hex(code))
    assert not wrong


def test_words_of_a_page():
    diacritic, pair = pairs.page_texts("Số: 01/2023/TT-VPCP — “Bảo hiểm”\u00a0xã hội…")
    assert pair == "số_01 01_2023 2023_tt tt_vpcp vpcp_bảo bảo_hiểm hiểm_xã xã_hội"
    assert sorted(diacritic.split()) == ["bảo", "hiểm", "hội", "số", "xã"]
    assert pairs.page_texts(" \n!") == ("", "") and pairs.page_texts("một") == ("một", "")
    assert sorted(pairs.page_texts("số 01 tt đức hiểm số")[0].split()) == ["hiểm", "số", "đức"]


def test_a_page_gets_the_texts_of_its_words():
    pages = ("Số: 01/2023/TT-VPCP — “Bảo hiểm”\u00a0xã hội… BẢO HIỂM", "a ← b ★ Đức", "", "!!", "một")
    for page in pages:
        diacritic, pair = pairs.page_texts(page)
        words = WORD.findall(page.lower())
        assert pair == " ".join(f"{a}_{b}" for a, b in zip(words, words[1:]))
        assert sorted(diacritic.split()) == sorted({w for w in words if not w.isascii()})


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
