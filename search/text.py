"""Engine-neutral text handling: what a clerk typed, read leniently.

A query text is read leniently, never rejected for its syntax: "double quotes"
make a phrase (an unclosed quote runs to the end), every other whitespace-separated
chunk is a word, and a chunk that the analyzer splits into several tokens
("01/2023/TT-VPCP", "BHXH-PT") is a phrase of those tokens. Every character that
is not a letter or digit only separates tokens, so nothing a user types can be a
syntax error.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from search.types import InvalidQuery

MAX_QUERY_CHARS = 1000
MAX_QUERY_TOKENS = 64

_QUOTED = re.compile(r'"([^"]*)"?')
_TOKEN = re.compile(r"[^\W_]+")
_TONE_MARKS = dict.fromkeys(range(0x300, 0x370))


def nfc(text: str) -> str:
    """Vietnamese arrives precomposed or decomposed depending on the keyboard or OCR; index and query NFC."""
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lowercase, strip diacritics, đ → d: 'Nguyễn Văn Đức' → 'nguyen van duc'.

    The embedded engine folds with tantivy's ascii_fold filter, Elasticsearch with
    asciifolding; this is the same mapping for Vietnamese, for code that has neither.
    """
    decomposed = unicodedata.normalize("NFD", text.lower()).replace("đ", "d")
    return unicodedata.normalize("NFC", decomposed.translate(_TONE_MARKS))


def tokens(text: str) -> list[str]:
    """Lowercased letter/digit runs, diacritics kept (the split every engine here uses)."""
    return _TOKEN.findall(nfc(text).lower())


@dataclass(frozen=True)
class Clause:
    """One required part of a query: a single word, or a phrase of consecutive words."""

    words: tuple[str, ...]  # lowercase, diacritics as typed

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1

    @property
    def text(self) -> str:
        return " ".join(self.words)


def parse(text: str) -> list[Clause]:
    """Split a typed query into required clauses, leniently (see module doc)."""
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidQuery(f"search text is longer than {MAX_QUERY_CHARS} characters")
    clauses: list[Clause] = []
    seen: set[Clause] = set()

    def add(words: list[str]) -> None:
        clause = Clause(tuple(words))
        if words and clause not in seen:
            seen.add(clause)
            clauses.append(clause)

    pos = 0
    for match in _QUOTED.finditer(text):
        for chunk in text[pos : match.start()].split():
            add(tokens(chunk))
        add(tokens(match.group(1)))
        pos = match.end()
    for chunk in text[pos:].split():
        add(tokens(chunk))
    if sum(len(c.words) for c in clauses) > MAX_QUERY_TOKENS:
        raise InvalidQuery(f"search text has more than {MAX_QUERY_TOKENS} words")
    return clauses


def nothing_to_match(text: str) -> bool:
    """Typed text with no word in it ("*", "!!!"): such a search finds nothing, not everything."""
    return bool(text.strip()) and not parse(text)
