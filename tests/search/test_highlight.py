"""Finding the typed words in a page before tantivy cuts the snippet."""

from __future__ import annotations

from search import SearchQuery
from search.embedded import TantivyIndex
from search.highlight import locator, window

from .conftest import make_doc


def test_a_folded_word_is_found_with_any_diacritics_and_case_as_a_whole_word():
    duc = locator(["duc"])
    page = "Người nộp: ĐỨCX, ông Đức" + " x" * 400
    part = window(page, duc, 20)  # ĐỨCX is no whole word Đức: the window is about the last one
    assert part.strip().startswith("ông Đức") and page.index(part) > page.index("ĐỨCX")
    assert window(page, locator(["nop"]), 20).startswith("Người nộp")
    assert locator(["nguyen"]).first(b"nguyen") == (0, 6) and locator(["中文"]) is None
    assert locator(["che"]).first("CHỦ chế".encode()) == (6, 11)  # CHỦ fits the pattern, does not fold to che
    assert window("không có gì" + " y" * 400, duc, 20) is None


def test_the_window_is_cut_between_words_and_is_none_when_it_would_be_the_page():
    page = " ".join(f"từ{n}" for n in range(200)) + " Đức " + " ".join(f"chữ{n}" for n in range(200))
    part = window(page, locator(["duc"]), 30)
    assert "Đức" in part and page.startswith(part) is False
    assert page.index(part) == 0 or page[page.index(part) - 1] == " "
    end = page.index(part) + len(part)
    assert end == len(page) or page[end] == " "
    assert window("ông Đức", locator(["duc"]), 30) is None


def test_a_match_deep_in_a_long_page_is_highlighted(tmp_path):
    index = TantivyIndex(tmp_path / "ix")
    symbols = "★ “–” " * 300  # non-ASCII characters the skeleton drops: its positions run ahead of the page's
    index.upsert([
        make_doc(1, f"{'mở đầu ' * 300}hưởng chế độ thai sản{' kết thúc' * 300}"),
        make_doc(2, f"{symbols}thai sản{' đoạn cuối' * 50}"),
    ])
    for doc_id, hit in ((1, "hưởng"), (2, "sản")):
        found = index.search(SearchQuery(text="thai san" if doc_id == 2 else "huong che do"))
        [snippet] = found.hits[0].highlights
        assert f"<mark>{hit}</mark>" in snippet
