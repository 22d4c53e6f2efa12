"""Is a page's reading good enough to archive, or should the counter scan it again?

Two warnings, carried on :attr:`ocr.model.PageText.warnings`:

``low_resolution``
    the text on the page as uploaded is smaller than
    :data:`ocr.prepare.LOW_RESOLUTION_X_HEIGHT` px (about 110 dpi for 10-12 pt
    type): enlarging rescues much of it, but a rescan at 200-300 dpi reads better.
``low_confidence``
    Tesseract's mean word confidence is under :data:`LOW_CONFIDENCE`. After
    preparation that mean tracks the real error: on the development half of
    ``bench/data/real`` it correlates at -0.86 with the page's character error
    rate (-0.76 on all 20 pages); the dev pages under 80 (72-77) had 16-43 % of
    their characters wrong, those at 84 or more at most 13 %, so the line is
    drawn in that gap. On the held-out pages it flags the 34 % and 11 % pages,
    and one 5 % ID-card line (a false alarm), and misses none above 11 %.
"""

from __future__ import annotations

from ocr.prepare import Prepared

LOW_CONFIDENCE = 80.0
LOW_RESOLUTION = "low_resolution"
LOW_CONFIDENCE_WARNING = "low_confidence"


def page_warnings(confidence: float | None, prepared: Prepared) -> tuple[str, ...]:
    """The warnings of an OCR'd page; a page without words (blank) gets none."""
    if confidence is None:
        return ()
    warnings = []
    if prepared.low_resolution:
        warnings.append(LOW_RESOLUTION)
    if confidence < LOW_CONFIDENCE:
        warnings.append(LOW_CONFIDENCE_WARNING)
    return tuple(warnings)
