"""Read a two-column letterhead block by block: the agency's block, then the one beside it.

An administrative paper opens with the issuing agency on the left and the national motto
("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM / Độc lập - Tự do - Hạnh phúc") on the right; an exam paper
with its status beside the subject and date. Tesseract often takes such a header for one
block and reads straight across the gutter, so that a line of the left block and a line of the
right one come out as one line ("(Đề thi có 01 trang) Thời gian làm bài: 90 phút").

The header is found from Tesseract's own word boxes, with no second recognition: the longest run
of first lines (in Tesseract's reading order, in the top part of the page, without a blank line's
space between them) whose words all keep clear of one vertical gutter, with at least two lines' worth of words on each side. Its words are
then regrouped, left block first, each line cut at the gutter; boxes and words stay as they were
read, so the text layer keeps its positions.
"""

from __future__ import annotations

import statistics
from dataclasses import replace

from ocr.model import Word
from ocr.tesseract import Line, Recognition, plain_text

HEADER_SHARE = 0.35  # of the page's height: where a letterhead can be
GUTTER_RANGE = (0.2, 0.8)  # of the page's width: where the gutter can be
MIN_GUTTER = 1.0  # word heights: the narrowest gap that separates two blocks
MIN_SIDE_LINES = 2  # lines with words on each side
MAX_LEADING = 1.5  # line heights of space below a line that still belongs to the header
LEFT_BLOCK, RIGHT_BLOCK = (-2, 0), (-1, 0)  # paragraph keys: a blank line between the blocks


def read_letterhead(reading: Recognition, width: int, height: int) -> Recognition:
    """``reading`` of a ``width`` x ``height`` page with a two-column header regrouped block by block;
    ``reading`` itself when the page has no such header."""
    found = _header(reading.lines, width, height)
    if found is None:
        return reading
    count, gutter = found
    left, right = [], []
    for line in reading.lines[:count]:
        for side, words in ((left, [w for w in line.words if w.left + w.width <= gutter]),
                            (right, [w for w in line.words if w.left >= gutter])):
            if words:
                side.append(_line(tuple(words), LEFT_BLOCK if side is left else RIGHT_BLOCK))
    lines = (*left, *right, *reading.lines[count:])
    return replace(reading, text=plain_text(lines), words=tuple(w for line in lines for w in line.words),
                   lines=lines)


def _header(lines: tuple[Line, ...], width: int, height: int) -> tuple[int, float] | None:
    """(how many first lines form the two-column header, the gutter's x), or None."""
    low, high = GUTTER_RANGE[0] * width, GUTTER_RANGE[1] * width
    best: tuple[int, float] | None = None
    for count in range(1, len(lines) + 1):
        band = lines[:count]
        if band[-1].top + band[-1].height > HEADER_SHARE * height:
            break
        if count > 1 and band[-1].top - max(line.top + line.height for line in band[:-1]) > (
                MAX_LEADING * statistics.median(line.height for line in band)):
            break  # the space between the letterhead and the title
        words = [w for line in band for w in line.words]
        gutter = _widest_gap(words, low, high, MIN_GUTTER * statistics.median(w.height for w in words))
        if gutter is None:
            break
        sides = [sum(any(w.left + w.width <= gutter for w in line.words) for line in band),
                 sum(any(w.left >= gutter for w in line.words) for line in band)]
        if min(sides) >= MIN_SIDE_LINES:
            best = (count, gutter)
    return best


def _widest_gap(words: list[Word], low: float, high: float, least: float) -> float | None:
    """The middle of the widest x-interval within [low, high] that no word covers, if at least ``least`` wide."""
    spans = sorted((w.left, w.left + w.width) for w in words)
    widest, middle, reach = 0.0, None, low
    for start, end in [*spans, (high, high)]:
        gap_end = min(start, high)
        if gap_end - reach > widest:
            widest, middle = gap_end - reach, (reach + gap_end) / 2
        reach = max(reach, end)
        if reach >= high:
            break
    return middle if middle is not None and widest >= least else None


def _line(words: tuple[Word, ...], paragraph: tuple[int, int]) -> Line:
    left, top = min(w.left for w in words), min(w.top for w in words)
    right, bottom = max(w.left + w.width for w in words), max(w.top + w.height for w in words)
    return Line(left, top, right - left, bottom - top, words, paragraph)
