"""Where in a page a highlight is cut from, found before tantivy makes the snippet.

tantivy's snippet generator analyzes the whole stored text it is given (70 us per KB: for a 2 KB
page, more than the page's share of the search). The typed words are found first in the page's
ASCII skeleton (decomposed, đ → d, every non-ASCII character dropped: the Vietnamese letters keep
their base letter, so a position there is at most a few characters before the same word in the
page), and the snippet is cut from a window around the first one. The caller falls back to the
whole text when the window has no match tantivy agrees with.
"""

from __future__ import annotations

import re
import unicodedata


def locator(words: list[str]) -> re.Pattern[bytes] | None:
    """A pattern finding any of the folded `words` as a whole word of a page's skeleton; None when
    no word is ASCII (a word the skeleton cannot hold is left to tantivy)."""
    alternatives = [re.escape(w.encode()) for w in dict.fromkeys(words) if w and w.isascii()]
    if not alternatives:
        return None
    return re.compile(rb"(?<![a-z0-9])(?:" + b"|".join(alternatives) + rb")(?![a-z0-9])")


def _skeleton(text: str) -> bytes:
    return unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D")).encode("ascii", "ignore").lower()


def window(text: str, pattern: re.Pattern[bytes], chars: int) -> str | None:
    """The part of `text` around the first match of `pattern`, `chars` before it and twice that
    after, cut between words; None when `pattern` does not match or the window is the whole text."""
    head = 4 * chars  # most typed words are in a page's head: skeleton that first
    found = pattern.search(_skeleton(text[:head])) if len(text) > head else None
    if found is None:
        found = pattern.search(_skeleton(text))
    if found is None:
        return None
    start, end = max(0, found.start() - chars // 3), found.end() + 2 * chars
    if start == 0 and end >= len(text):
        return None
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return text[start:end]
