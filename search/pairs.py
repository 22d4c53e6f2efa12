"""The plain words of a text, and the analyzers the embedded index runs over them.

Indexing spends its time in Python, not in tantivy: a token list built in Python (one string
object per word, 400 per page) cost more than everything tantivy does with the page. So the
Python side only rewrites the text once, with byte-level operations, into its *plain* form: the
letter/digit runs (as `search.text.tokens` splits them) joined by single spaces. tantivy's own
tokenizers then make, from that one string,

  - the word pairs (`pair_analyzer`): the regex tokenizer cuts "w1 w2 w3 w4" into "w1 w2",
    "w3 w4"; the same string without its first word gives "w2 w3"; lowercased and folded;
  - the diacritic words (`diacritic_analyzer`): only the words with a non-ASCII letter, lowercased,
    the only ones the exact-diacritics boost is ever asked about.

A query's phrase goes through the same function and the same analyzers, so its pairs are the
index's pairs by construction.
"""

from __future__ import annotations

import re

import tantivy

MAX_TOKEN_CHARS = 60

# Every ASCII byte that is not a letter or digit becomes a space; bytes >= 0x80 (the UTF-8 of
# every non-ASCII character) are kept.
_ASCII_SEPARATORS = bytes(
    b if chr(b).isascii() and chr(b).isalnum() or b >= 0x80 else 0x20 for b in range(256)
)
# The non-ASCII separators common in typed and OCR text, in UTF-8: General Punctuation (U+2000-206F:
# quotes, dashes, ellipsis, odd spaces) and the Latin-1 symbols (U+00A0-00BF) but for its letters
# and digits (ª ² ³ µ ¹ º ¼ ½ ¾). Any other one is caught by `plain`'s check.
_COMMON_PUNCTUATION = re.compile(rb"\xe2\x80[\x80-\xbf]|\xe2\x81[\x80-\xaf]|\xc2[\xa0-\xa9\xab-\xb1\xb4\xb6-\xb8\xbb\xbf]")
_WORD = re.compile(r"[^\W_]+")


def plain(text: str) -> str:
    """The letter/digit runs of `text` joined by single spaces ('Số: 01/2023' → 'Số 01 2023')."""
    raw = text.encode("utf-8", "surrogatepass")
    if b"\xe2" in raw or b"\xc2" in raw:  # no Vietnamese letter is encoded with these lead bytes
        raw = _COMMON_PUNCTUATION.sub(b" ", raw)
    out = b" ".join(raw.translate(_ASCII_SEPARATORS).split()).decode("utf-8", "surrogatepass")
    if not out or out.replace(" ", "").isalnum():
        return out
    return " ".join(_WORD.findall(text))  # a rarer separator is left: the exact (slower) split


def shifted(words: str) -> str:
    """`words` (plain) without its first word: the pair tokenizer then yields the odd pairs."""
    return words.partition(" ")[2]


def pair_analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(r"\S+ \S+"))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )


def diacritic_analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(r"\S*[^\x00-\x7f]\S*"))
        .filter(tantivy.Filter.remove_long(MAX_TOKEN_CHARS))
        .filter(tantivy.Filter.lowercase())
        .build()
    )


def pairs_of(words: list[str], analyzer: tantivy.TextAnalyzer) -> list[str]:
    """The distinct pair terms of consecutive `words` (a typed phrase), as the index holds them."""
    text = plain(" ".join(words))
    return list(dict.fromkeys(analyzer.analyze(text) + analyzer.analyze(shifted(text))))
