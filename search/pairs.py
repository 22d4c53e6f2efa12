"""The plain words of a text, and what the embedded index makes of them.

Indexing spends its time in Python and in tokenizing, not in tantivy's postings: a token list
returned by a tantivy analyzer (one string object per word, 400 per page), a regex tokenizer in
tantivy, or a Python object per word cost more than everything else done with the page (Python's
bytes-level split, set and pair join: 150-250 of the 650-720 us a page of a bulk build). So each
page is cut once, by the compiled `search._words` (search/_words.c), into its *plain* words (the
letter/digit runs, as `search.text.tokens` splits them), and from those into:

  - the word pairs: "w1_w2 w2_w3 ...", lowercased, and folded by tantivy's whitespace analyzer
    (`pair_analyzer`), mostly already by the compiled pass (an ASCII text is what tantivy reads
    fastest); "_" is never inside a plain word;
  - the diacritic words: only the words with a non-ASCII letter, each once, the only ones the
    exact-diacritics boost is ever asked about.

A page with a character the compiled split does not know (another script, a combining mark) is
split by Python's regex instead, to the same texts. A query's phrase goes through the same
`page_texts` and analyzer (`pairs_of`), so its pairs are the index's pairs by construction.
"""

from __future__ import annotations

import re
from itertools import filterfalse

import tantivy

from search import _words

MAX_TOKEN_CHARS = 60

_WORD = re.compile(r"[^\W_]+")


def page_texts(text: str) -> tuple[str, str]:
    """The diacritic words (each once, in order of appearance) and the pair text of a page."""
    lowered = text.lower()
    texts = _words.page_texts(lowered)
    return texts if texts is not None else _split_texts(lowered)


def _split_texts(lowered: str) -> tuple[str, str]:
    """`page_texts` by Python's own split: for the pages the compiled one leaves (see module doc)."""
    words = _WORD.findall(lowered)
    diacritic = " ".join(dict.fromkeys(filterfalse(str.isascii, words)))
    return diacritic, " ".join(map("_".join, zip(words, words[1:])))


def pair_analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )


def diacritic_analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace())
        .filter(tantivy.Filter.remove_long(MAX_TOKEN_CHARS))
        .build()
    )


def pairs_of(typed: list[str], analyzer: tantivy.TextAnalyzer) -> list[str]:
    """The distinct pair terms of consecutive `typed` words (a phrase), as the index holds them."""
    return list(dict.fromkeys(analyzer.analyze(page_texts(" ".join(typed))[1])))
