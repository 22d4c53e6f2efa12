"""Carry OCR's rescan warnings (``low_resolution:p2``, ``low_confidence:p1``) onto the document.

They join ``Document.warnings``, beside the paper's other warnings (an extension
that lied at upload), so the counter sees them with the document and can scan
the page again. A re-run replaces the previous run's scan warnings.
"""
from __future__ import annotations

from catalog.models import Document
from ocr.quality import LOW_CONFIDENCE_WARNING, LOW_RESOLUTION

SCAN_CODES = frozenset({LOW_RESOLUTION, LOW_CONFIDENCE_WARNING})


def record_scan_warnings(document: Document, warnings: list[str]) -> None:
    current = list(document.warnings or [])
    kept = [w for w in current if w.split(":", 1)[0] not in SCAN_CODES]
    if kept + warnings != current:
        document.warnings = kept + warnings
