"""Where in a page a highlight is cut from, found before tantivy makes the snippet.

tantivy's snippet generator analyzes the whole stored text it is given (70 us per KB: for a 2 KB
page, more than the page's share of the search). The first typed word is looked for in the page's
UTF-8 bytes first, every non-ASCII byte read as `*` and ASCII lowercased: a folded letter that may
carry a diacritic (a, e, i, o, u, y, d) stands for itself or for the two or three bytes of a
Vietnamese letter, the others for themselves. That is a guess (another accented letter of the same
length fits too), good enough to place a window: the snippet is cut from a window around it, and
the caller falls back to the whole text when the window has no match tantivy agrees with.
"""

from __future__ import annotations

import re

_MARKED = b"*"
# ASCII lowercased, every non-ASCII byte (lead or continuation of a UTF-8 sequence) marked
_BYTES = bytes(
    b + 32 if 0x41 <= b <= 0x5A else b if b < 0x80 else _MARKED[0] for b in range(256)
)
_ACCENTED = {"a", "e", "i", "o", "u", "y", "d"}  # đ is two bytes; every Vietnamese vowel two or three


def locator(words: list[str]) -> re.Pattern[bytes] | None:
    """A pattern finding any of the folded `words` as a whole word of a page's marked bytes; None
    when no word is plain ASCII (a word it cannot hold is left to tantivy)."""
    alternatives = [
        b"".join(b"(?:" + c.encode() + rb"|\*\*\*?)" if c in _ACCENTED else re.escape(c.encode()) for c in word)
        for word in dict.fromkeys(words)
        if word and word.isascii() and word.isalnum()
    ]
    if not alternatives:
        return None
    return re.compile(rb"(?<![a-z0-9*])(?:" + b"|".join(alternatives) + rb")(?![a-z0-9*])")


def window(text: str, pattern: re.Pattern[bytes], chars: int) -> str | None:
    """The part of `text` around the first match of `pattern`, about `chars` characters before it
    and twice that after, cut between words; None when `pattern` does not match or the window is
    the whole text."""
    raw = text.encode("utf-8", "surrogatepass")
    found = pattern.search(raw.translate(_BYTES))
    if found is None:
        return None
    start, end = max(0, found.start() - chars // 3), found.end() + 2 * chars  # bytes: a Vietnamese
    if start == 0 and end >= len(raw):  # character is one to three, so the window is at most that
        return None
    while start > 0 and (raw[start - 1] >= 0x80 or chr(raw[start - 1]).isalnum()):  # the word's first byte
        start -= 1
    while end < len(raw) and (raw[end] >= 0x80 or chr(raw[end]).isalnum()):
        end += 1
    return raw[start:end].decode("utf-8", "surrogatepass")
