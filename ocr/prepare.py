"""The image Tesseract reads, made from the page image; the archive keeps the original.

Counters upload phone photos, 100 dpi scanner presets and forwarded
screenshots: text 6-10 px high, where Tesseract's LSTM (trained on text with
an x-height of roughly 20-30 px) loses most letters. So before recognition:

0. in a photo, look square-on at the sheet of paper found in it (:mod:`ocr.sheet`);
1. measure the text's size from the text itself — the x-height of the dark
   connected components, not the file's dpi tag (phones write 72, screenshots 96);
2. if the text is small, erase dot leaders (the "Họ và tên: ..........." of every
   blank form): once enlarged, a row of dots is read as a line of garbage letters;
3. enlarge so the x-height is :data:`TARGET_X_HEIGHT` px;
4. on a page image (at least :data:`SHRINK_MIN_PIXELS`), reduce text larger than
   :data:`SHRINK_X_HEIGHT` to that size: Tesseract's layout analysis costs in
   proportion to the pixels (a quarter of a 300 dpi A4 page's time) while its line
   recognizer scales every line to one height anyway. Rendered A4 pages at 300 dpi
   (x-height 30 px) read with 10-25 % less CPU and the same CER (0.05 % → 0.04-0.07 %); on
   the five 500 dpi contract pages (x-height 44 px) pooled CER 4.75 % → 4.11 % and each page
   within 0.6 points of raw Tesseract. A reduction to 20 px pooled 4.03 % there but read one
   stamped page 2.9 points worse than raw; 24 px pooled 4.35 %. Crops (an ID card's line) are
   left alone: shrinking them cost up to 3 points of CER, and they are cheap anyway.

Each step was kept because it lowered the pooled character error rate on the
development half of ``bench/data/real`` (``bench/ocr_real.py``), not for one image
(raw Tesseract 0.253; all steps 0.118). Measured there and left out: background
flattening (division by a morphological closing: 0.184 against 0.175 without, in
the same trial), OpenCV's adaptive Gaussian threshold (0.457: it shreds thin
strokes), Lanczos or linear instead of cubic enlargement (0.191, 0.182 against
0.175), an x-height target of 22 (0.200) or 18 (0.173, within noise of 20).
Word and line boxes found on the prepared image are mapped back to the page
image with :func:`to_page`, so the invisible text layer lies on the original.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import cv2
import numpy as np
from PIL import Image

from ocr.model import Word
from ocr.sheet import Sheet
from ocr.tesseract import Line, Recognition

TARGET_X_HEIGHT = 20.0  # px; 20 measured better than 16, 25 and 30 on the dev set
MAX_SCALE = 4.0
SHRINK_X_HEIGHT = 22.0  # px; large text on a large page is reduced to this (see step 4)
SHRINK_MIN_PIXELS = 2_000_000  # a page, not a crop: about A4 at 170 dpi
KEEP_SCALE = 0.15  # text up to 15 % below the target is left as it is
LOW_RESOLUTION_X_HEIGHT = 7.0  # px on the page as uploaded: ~110 dpi for 10-12 pt type
MIN_LEADER_RUN = 5  # dots in a row before they count as a leader
MEASURE_SIDE = 1600  # px: larger pages are measured on a reduced copy


@dataclass(frozen=True)
class Prepared:
    """The image to recognise and how it relates to the page image."""

    image: Image.Image  # mode "L"
    scale: float  # prepared pixels per page (or sheet) pixel: above 1 enlarged, below 1 reduced
    x_height: float | None  # px on the page image; None when no text-like shapes were found
    sheet: Sheet | None = None  # the photographed sheet that was warped square-on, if any

    @property
    def low_resolution(self) -> bool:
        return self.x_height is not None and self.x_height < LOW_RESOLUTION_X_HEIGHT


def prepare(gray: Image.Image, sheet: Sheet | None = None) -> Prepared:
    """Make the recognition image of an upright gray page: straightened, or holding ``sheet``."""
    pixels = np.asarray(gray.convert("L") if gray.mode != "L" else gray)
    if sheet is not None:
        pixels = sheet.warp(pixels)
        gray = Image.fromarray(pixels, "L")
    x_height = estimate_x_height(pixels)
    if x_height is None:
        return Prepared(gray, 1.0, None, sheet)
    if pixels.size >= SHRINK_MIN_PIXELS and x_height * (1.0 - KEEP_SCALE) > SHRINK_X_HEIGHT:
        shrink = SHRINK_X_HEIGHT / x_height
        reduced = cv2.resize(pixels, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA)
        return Prepared(Image.fromarray(reduced, "L"), shrink, x_height, sheet)
    scale = min(TARGET_X_HEIGHT / x_height, MAX_SCALE)
    if scale <= 1.0 + KEEP_SCALE:
        return Prepared(gray, 1.0, x_height, sheet)
    enlarged = cv2.resize(drop_leaders(pixels, x_height), None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    return Prepared(Image.fromarray(enlarged, "L"), scale, x_height, sheet)


def estimate_x_height(pixels: np.ndarray) -> float | None:
    """The typical height of the page's letters, in pixels: the x-height of ordinary
    text, the cap height of a line in capitals (an ID card's name).

    Dark connected components at Otsu's threshold, without page-sized ones
    (borders, photos) and slivers; their median height is near the x-height
    (ascenders and capitals are fewer than x-height letters), and the 35th
    percentile of the components close to that median settles on it.
    Diacritics and specks fall below half the median and are left out.
    A large page is measured on a copy reduced to :data:`MEASURE_SIDE` px
    (a 300 dpi A4 page in ~40 ms instead of ~0.5 s): text worth enlarging
    stays measurable there, and larger text need not be measured finely.
    """
    reduce = math.ceil(max(pixels.shape) / MEASURE_SIDE)
    if reduce > 1:
        pixels = cv2.resize(pixels, None, fx=1 / reduce, fy=1 / reduce, interpolation=cv2.INTER_AREA)
    height, width = pixels.shape
    dark = cv2.threshold(pixels, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)[1]
    _, _, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    h, w = stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_WIDTH]
    letters = h[(h >= 3) & (h <= 0.9 * height) & (w <= 0.5 * width) & (w <= 4 * h) & (h <= 4 * w)]
    if letters.size < 3:
        return None
    median = float(np.median(letters))
    near = letters[(letters >= 0.5 * median) & (letters <= 1.5 * median)]
    return float(np.percentile(near, 35)) * reduce


def drop_leaders(pixels: np.ndarray, x_height: float) -> np.ndarray:
    """``pixels`` with dot leaders painted white (a new array), or ``pixels`` itself if it has none.

    A leader is a run of at least :data:`MIN_LEADER_RUN` dots — components
    smaller than half an x-height — on one baseline, each within 1.6 x-heights
    of the previous. Diacritics sit above letters, not in such runs; a
    sentence's full stop is alone; bits of the next line cut by a crop's edge
    touch the edge and are left alone.
    """
    dark = cv2.threshold(pixels, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)[1]
    count, labels, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    h, w = stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_WIDTH]
    left, top = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
    inside = (left > 0) & (top > 0) & (left + w < pixels.shape[1]) & (top + h < pixels.shape[0])
    dots = np.nonzero((h <= max(2.0, 0.45 * x_height)) & (w <= max(2.0, 0.6 * x_height)) & inside)[0]
    dots = dots[dots > 0]  # label 0 is the background
    if dots.size < MIN_LEADER_RUN:
        return pixels
    bottoms, lefts = top[dots] + h[dots], left[dots]
    order = np.lexsort((lefts, np.round(bottoms / max(1.0, x_height / 3))))
    dots, bottoms, lefts = dots[order], bottoms[order], lefts[order]
    leaders: list[np.ndarray] = []
    start = 0
    for k in range(1, dots.size + 1):
        continues = (
            k < dots.size
            and abs(int(bottoms[k]) - int(bottoms[k - 1])) <= max(1.0, x_height / 4)
            and 0 < lefts[k] - lefts[k - 1] <= 1.6 * x_height
        )
        if not continues:
            if k - start >= MIN_LEADER_RUN:
                leaders.append(dots[start:k])
            start = k
    if not leaders:
        return pixels
    erased = pixels.copy()
    erased[np.isin(labels, np.concatenate(leaders))] = 255
    return erased


def to_page(reading: Recognition, prepared: Prepared) -> Recognition:
    """``reading`` of a prepared image with its boxes in page-image pixels.

    On a warped sheet a box becomes a quadrilateral on the page; its bounding box is kept.
    """
    scale, sheet = prepared.scale, prepared.sheet
    if scale == 1.0 and sheet is None:
        return reading

    def box(left: int, top: int, width: int, height: int) -> tuple[int, int, int, int]:
        right, bottom = left + width, top + height
        corners = np.array([[left, top], [right, top], [right, bottom], [left, bottom]]) / scale
        if sheet is not None:
            corners = sheet.to_picture(corners)
        (x0, y0), (x1, y1) = np.rint(corners.min(axis=0)).astype(int), np.rint(corners.max(axis=0)).astype(int)
        return int(x0), int(y0), max(1, int(x1 - x0)), max(1, int(y1 - y0))

    def word(w: Word) -> Word:
        return Word(w.text, w.conf, *box(w.left, w.top, w.width, w.height))

    lines: list[Line] = []
    for line in reading.lines:
        left, top, width, height = box(line.left, line.top, line.width, line.height)
        words = tuple(word(w) for w in line.words)
        lines.append(replace(line, left=left, top=top, width=width, height=height, words=words))
    return replace(reading, words=tuple(w for line in lines for w in line.words), lines=tuple(lines))
