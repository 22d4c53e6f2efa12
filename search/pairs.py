"""The plain words of a text, and what the embedded index makes of them.

Indexing spends its time in Python and in tokenizing, not in tantivy's postings: a token list
returned by a tantivy analyzer (one string object per word, 400 per page) or a regex tokenizer in
tantivy cost more than everything else done with the page. So each page is rewritten once, with
byte-level operations, into its *plain* words: the letter/digit runs (as `search.text.tokens`
splits them). From that one list, at C speed:

  - the word pairs (`pair_text`): "w1_w2 w2_w3 ...", lowercased and folded by tantivy's whitespace
    analyzer (`pair_analyzer`); "_" is never inside a plain word;
  - the diacritic words (`diacritic_text`): only the words with a non-ASCII letter, the only ones
    the exact-diacritics boost is ever asked about, lowercased by `diacritic_analyzer`.

A query's phrase goes through the same functions and the same analyzer, so its pairs are the
index's pairs by construction.
"""

from __future__ import annotations

import re
from itertools import filterfalse

import tantivy

MAX_TOKEN_CHARS = 60
PAIR_JOIN = "_"
_PAIR_JOIN_BYTES = PAIR_JOIN.encode()

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


def plain(text: str) -> str:
    """The letter/digit runs of `text` joined by single spaces ('Số: 01/2023' → 'Số 01 2023')."""
    return b" ".join(_split(text)).decode("utf-8", "surrogatepass")


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


def words(text: str) -> list[str]:
    """The plain words of `text`, lowercased, in order (lowercased before the split, as
    `search.text.tokens` does)."""
    out = plain(text.lower())
    return out.split(" ") if out else []


def pair_text(words: list[str]) -> str:
    """Each pair of consecutive words as one token, for the whitespace tokenizer."""
    return " ".join(map(PAIR_JOIN.join, zip(words, words[1:])))


def diacritic_text(words: list[str]) -> str:
    """Each word with a non-ASCII letter (a diacritic, đ) once, in no order, for the whitespace
    tokenizer."""
    return " ".join(filterfalse(str.isascii, set(words)))


def page_texts(text: str) -> tuple[str, str]:
    """`diacritic_text` and `pair_text` of a page's words, made from their UTF-8 bytes (a list of
    str words cost as much as the rest of the page's preparation)."""
    raw = _split(text.lower())
    diacritic = b" ".join(filterfalse(bytes.isascii, set(raw)))
    pairs = b" ".join(map(_PAIR_JOIN_BYTES.join, zip(raw, raw[1:])))
    return diacritic.decode("utf-8", "surrogatepass"), pairs.decode("utf-8", "surrogatepass")


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
    return list(dict.fromkeys(analyzer.analyze(pair_text(words(" ".join(typed))))))
