"""The plain words of a text, and what the embedded index makes of them.

Indexing spends its time in Python and in tokenizing, not in tantivy's postings: a token list
returned by a tantivy analyzer (one string object per word, 400 per page) or a regex tokenizer in
tantivy cost more than everything else done with the page. So each page is rewritten once, with
byte-level operations, into its *plain* words: the letter/digit runs (as `search.text.tokens`
splits them). From that one list, at C speed:

  - the word pairs (`_pair_text`): "w1_w2 w2_w3 ...", lowercased, folded by tantivy's whitespace
    analyzer (`pair_analyzer`); "_" is never inside a plain word;
  - the diacritic words: only the words with a non-ASCII letter, each once, the only ones the
    exact-diacritics boost is ever asked about.

A query's phrase goes through the same split, `_pair_text` and analyzer (`pairs_of`), so its pairs
are the index's pairs by construction.
"""

from __future__ import annotations

import re
from itertools import filterfalse

import tantivy

MAX_TOKEN_CHARS = 60

# Every ASCII byte that is not a letter or digit becomes a space; bytes >= 0x80 (the UTF-8 of
# every non-ASCII character) are kept.
_ASCII_SEPARATORS = bytes(
    b if chr(b).isascii() and chr(b).isalnum() or b >= 0x80 else 0x20 for b in range(256)
)
# The non-ASCII separators common in typed and OCR text, in UTF-8: General Punctuation (U+2000-206F:
# quotes, dashes, ellipsis, odd spaces) and the Latin-1 symbols (U+00A0-00BF) but for its letters
# and digits (ª ² ³ µ ¹ º ¼ ½ ¾). Any other one is caught by `_split`'s check.
_ASCII_BYTES = bytes(range(0x80))
_COMMON_PUNCTUATION = re.compile(rb"\xe2\x80[\x80-\xbf]|\xe2\x81[\x80-\xaf]|\xc2[\xa0-\xa9\xab-\xb1\xb4\xb6-\xb8\xbb\xbf]")
_WORD = re.compile(r"[^\W_]+")


def _split(text: str) -> list[bytes]:
    """The letter/digit runs of `text`, UTF-8 encoded."""
    raw = text.encode("utf-8", "surrogatepass")
    if b"\xe2" in raw or b"\xc2" in raw:  # no Vietnamese letter is encoded with these lead bytes
        raw = _COMMON_PUNCTUATION.sub(b" ", raw)
    out = raw.translate(_ASCII_SEPARATORS).split()
    # the split is exact when every non-ASCII character left is a letter or digit (the UTF-8 of
    # a non-ASCII character has no ASCII byte, so deleting those leaves whole characters)
    others = raw.translate(None, _ASCII_BYTES).decode("utf-8", "surrogatepass")
    if not others or others.isalnum():
        return out
    # a rarer separator is left: the exact (slower) split
    return [w.encode("utf-8", "surrogatepass") for w in _WORD.findall(text)]


def page_texts(text: str) -> tuple[str, str]:
    """The diacritic words and the pair text of a page, made from its words' UTF-8 bytes (a list
    of str words cost as much as the rest of the page's preparation)."""
    raw = _split(text.lower())
    diacritic = b" ".join(filterfalse(bytes.isascii, set(raw)))
    return diacritic.decode("utf-8", "surrogatepass"), _pair_text(raw)


def _pair_text(raw: list[bytes]) -> str:
    """Each pair of consecutive words as one token, for the whitespace tokenizer."""
    return b" ".join(map(b"_".join, zip(raw, raw[1:]))).decode("utf-8", "surrogatepass")


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
    return list(dict.fromkeys(analyzer.analyze(_pair_text(_split(" ".join(typed).lower())))))
