"""Where in a page a highlight is cut from, found before tantivy makes the snippet.

tantivy's snippet generator analyzes the whole stored text it is given (70 us per KB: for a 2 KB
page, more than the page's share of the search). The first typed word is looked for in the page's
UTF-8 bytes first, every non-ASCII byte read as `*` and ASCII lowercased: a folded letter that may
carry a diacritic (a, e, i, o, u, y, d) stands for itself or for the two or three bytes of a
Vietnamese letter, the others for themselves. A candidate is only a guess (any accented letter of
that length fits), so it is folded and compared with the typed words; the snippet is cut from a
window around the first one that is, and the caller falls back to the whole text when the window
has no match tantivy agrees with.
"""

from __future__ import annotations

import re

from search import text as textmod

_MARKED = b"*"
# ASCII lowercased, every non-ASCII byte (lead or continuation of a UTF-8 sequence) marked
_BYTES = bytes(
    b + 32 if 0x41 <= b <= 0x5A else b if b < 0x80 else _MARKED[0] for b in range(256)
)
_ACCENTED = {"a", "e", "i", "o", "u", "y", "d"}  # đ is two bytes; every Vietnamese vowel two or three
MAX_CANDIDATES = 32


class Locator:
    """Finds the first of some folded words in a page (see the module doc)."""

    def __init__(self, pattern: re.Pattern[bytes], words: set[str]):
        self.pattern = pattern
        self.words = words

    def first(self, raw: bytes) -> tuple[int, int] | None:
        """The byte span of the first whole word of the UTF-8 `raw` that folds to a typed word."""
        for n, found in enumerate(self.pattern.finditer(raw.translate(_BYTES))):
            if n == MAX_CANDIDATES:
                return None
            if textmod.fold(raw[found.start():found.end()].decode("utf-8", "surrogatepass")) in self.words:
                return found.span()
        return None


def locator(words: list[str]) -> Locator | None:
    """A locator of the folded `words`; None when no word is plain ASCII (a word it cannot hold is
    left to tantivy)."""
    plain = [w for w in dict.fromkeys(words) if w and w.isascii() and w.isalnum()]
    if not plain:
        return None
    alternatives = [
        b"".join(b"(?:" + c.encode() + rb"|\*\*\*?)" if c in _ACCENTED else re.escape(c.encode()) for c in word)
        for word in plain
    ]
    return Locator(re.compile(rb"(?<![a-z0-9*])(?:" + b"|".join(alternatives) + rb")(?![a-z0-9*])"), set(plain))


def window(text: str, where: Locator, chars: int) -> str | None:
    """The part of `text` around the first typed word, about `chars` characters before it and
    twice that after, cut between words; None when no word is found or the window is the whole
    text."""
    raw = text.encode("utf-8", "surrogatepass")
    found = where.first(raw)
    if found is None:
        return None
    start, end = max(0, found[0] - chars // 3), found[1] + 2 * chars  # bytes: a Vietnamese
    if start == 0 and end >= len(raw):  # character is one to three, so the window is at most that
        return None
    while start > 0 and (raw[start - 1] >= 0x80 or chr(raw[start - 1]).isalnum()):  # the word's first byte
        start -= 1
    while end < len(raw) and (raw[end] >= 0x80 or chr(raw[end]).isalnum()):
        end += 1
    return raw[start:end].decode("utf-8", "surrogatepass")
