"""Effective resolution of scanned pages: pixels of the page image over the page's size.

Decree 30/2020 asks for scans of at least 200 dpi at 100 % scale. The scan's own dpi tag may lie
(or be missing); what a reader gets is how many pixels cover each inch of the page as printed,
so that is measured, on the PDF we produced: the largest image of each page against its media
box, the lower of the two directions.
"""
from __future__ import annotations

from pathlib import Path

import pikepdf

LOW_RESOLUTION_DPI = 200
"""Below this a scanned page carries the ``low_resolution`` warning (shown, never refused: a
phone photo may be all there is)."""


def page_resolutions(pdf_path: Path) -> list[float | None]:
    """Per page, its effective dpi; None for a page without an image (born-digital text)."""
    found: list[float | None] = []
    with pikepdf.open(pdf_path) as pdf:
        for page in pdf.pages:
            box = page.mediabox
            width_in, height_in = abs(float(box[2]) - float(box[0])) / 72, abs(float(box[3]) - float(box[1])) / 72
            xobjects = page.obj.get("/Resources", {}).get("/XObject", {})
            sizes = [(int(x.get("/Width", 0)), int(x.get("/Height", 0))) for x in xobjects.values()
                     if x.get("/Subtype") == "/Image"]
            if not sizes or width_in <= 0 or height_in <= 0:
                found.append(None)
                continue
            px_w, px_h = max(sizes, key=lambda s: s[0] * s[1])
            found.append(round(min(px_w / width_in, px_h / height_in), 1))
    return found
