"""Vietnamese text helpers shared by classification, field extraction and catalog validation.

OCR of Vietnamese scans drops or swaps diacritics, and confuses look-alike glyphs (O/0, l/1/I,
S/5, B/8). Matching therefore happens on a *folded* form: lower case, no diacritics, ``đ`` → ``d``,
punctuation to spaces. Digits inside words and letters inside numbers are repaired separately
(:func:`digits_only`, :func:`fix_letters`) because the right repair depends on what is expected.
"""
from __future__ import annotations

import re
import unicodedata

_DD = str.maketrans({"đ": "d", "Đ": "D"})
_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^0-9a-z]+")

# Glyphs OCR reads for a digit, by the digit they stand for.
_AS_DIGIT = str.maketrans({
    "O": "0", "o": "0", "Q": "0", "D": "0", "U": "0", "ơ": "0", "ô": "0", "ó": "0", "ò": "0",
    "l": "1", "I": "1", "i": "1", "|": "1", "!": "1", "í": "1", "ì": "1", "L": "1", "]": "1", "[": "1",
    "Z": "2", "z": "2",
    "S": "5", "s": "5", "$": "5",
    "G": "6", "b": "6",
    "T": "7",
    "B": "8",
    "g": "9", "q": "9",
})
# Digits OCR reads inside words, by the letter they stand for (after folding).
_AS_LETTER = str.maketrans({"0": "o", "1": "i", "5": "s", "8": "b", "6": "g", "4": "a", "3": "e"})


def strip_marks(text: str) -> str:
    """Remove Vietnamese diacritics (``Nguyễn Văn Đức`` → ``Nguyen Van Duc``), keeping case."""
    decomposed = unicodedata.normalize("NFD", text.translate(_DD))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


def fold(text: str) -> str:
    """Matching form: lower case, no diacritics, only ``[0-9a-z]`` words separated by one space."""
    return _NON_WORD.sub(" ", strip_marks(text).lower()).strip()


def fold_words(text: str) -> str:
    """Like :func:`fold`, and digits standing inside letter words read as the letters they resemble
    (``CH0NG`` → ``chong``, ``Gi4Y`` stays ``giay``): for matching titles and labels in OCR text."""
    out = []
    for word in fold(text).split():
        if not word.isdigit() and any(c.isalpha() for c in word):
            word = word.translate(_AS_LETTER)
        out.append(word)
    return " ".join(out)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def squash(text: str) -> str:
    """Collapse runs of whitespace to one space."""
    return _SPACES.sub(" ", text).strip()


def digits_only(token: str) -> str:
    """Read a token that should be a number: look-alike letters become digits, separators go."""
    return re.sub(r"[^0-9]", "", token.translate(_AS_DIGIT))


def repaired_digits(token: str) -> tuple[str, int]:
    """``digits_only`` plus how many characters had to be repaired (letters read as digits)."""
    cleaned = re.sub(r"[\s.\-]", "", token)
    repaired = sum(1 for c in cleaned if not c.isdigit())
    return digits_only(cleaned), repaired


_WORD_RE = re.compile(r"\w+", re.UNICODE)


def title_case(name: str) -> str:
    """Vietnamese name capitalisation, diacritics kept: ``NGUYỄN VĂN ĐỨC`` → ``Nguyễn Văn Đức``."""
    return " ".join(w[:1].upper() + w[1:].lower() for w in squash(nfc(name)).split(" ") if w)


def words(text: str) -> list[str]:
    return _WORD_RE.findall(text)
