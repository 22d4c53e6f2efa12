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
            if pairs.plain(text) != " ".join(WORD.findall(text)):
                wrong.append(hex(code))
    assert not wrong


def test_words_of_a_page():
    assert pairs.words("Số: 01/2023/TT-VPCP — “Bảo hiểm”\u00a0xã hội…") == [
        "số", "01", "2023", "tt", "vpcp", "bảo", "hiểm", "xã", "hội"]
    assert pairs.words(" \n!") == [] and pairs.pair_text([]) == "" and pairs.pair_text(["một"]) == ""
    diacritic = pairs.diacritic_text(["số", "01", "tt", "đức", "hiểm", "số"])
    assert sorted(diacritic.split()) == ["hiểm", "số", "đức"]


def test_a_page_gets_the_texts_of_its_words():
    pages = ("Số: 01/2023/TT-VPCP — “Bảo hiểm”\u00a0xã hội… BẢO HIỂM", "a ← b ★ Đức", "", "!!", "một")
    for page in pages:
        diacritic, pair = pairs.page_texts(page)
        words = pairs.words(page)
        assert pair == pairs.pair_text(words)
        assert sorted(diacritic.split()) == sorted(set(pairs.diacritic_text(words).split()))


def test_a_phrase_has_the_pairs_its_page_has():
    analyzer = pairs.pair_analyzer()
    page = analyzer.analyze(pairs.pair_text(pairs.words("Sổ BẢO HIỂM; xã-hội của Đức")))
    assert page == ["so_bao", "bao_hiem", "hiem_xa", "xa_hoi", "hoi_cua", "cua_duc"]
    typed = tokens("bảo hiểm xã hội bảo hiểm")
    assert pairs.pairs_of(typed, analyzer) == ["bao_hiem", "hiem_xa", "xa_hoi", "hoi_bao"]
    assert set(pairs.pairs_of(tokens("hiểm xã hội"), analyzer)) <= set(page)


def test_diacritic_words_are_lowercased_and_long_ones_dropped():
    analyzer = pairs.diacritic_analyzer()
    assert analyzer.analyze(pairs.diacritic_text(pairs.words(f"ĐỨC an {'đ' * 61}"))) == ["đức"]
    assert analyzer.analyze(pairs.page_texts(f"ĐỨC an {'đ' * 61}")[0]) == ["đức"]
