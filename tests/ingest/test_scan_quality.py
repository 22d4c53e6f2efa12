"""ingest.scan_quality: OCR's rescan warnings on the document, next to its other warnings."""

from __future__ import annotations

from catalog.models import Document
from ingest.scan_quality import record_scan_warnings


def test_scan_warnings_join_the_documents_warnings() -> None:
    document = Document(warnings=["extension_mismatch"])
    record_scan_warnings(document, ["low_resolution:p1", "low_confidence:p2"])
    assert document.warnings == ["extension_mismatch", "low_resolution:p1", "low_confidence:p2"]


def test_a_rerun_replaces_the_previous_scan_warnings() -> None:
    document = Document(warnings=["low_resolution:p1", "extension_mismatch", "low_confidence:p3"])
    record_scan_warnings(document, ["low_confidence:p1"])
    assert document.warnings == ["extension_mismatch", "low_confidence:p1"]
    record_scan_warnings(document, [])
    assert document.warnings == ["extension_mismatch"]


def test_a_document_without_warnings_gets_them() -> None:
    document = Document()
    record_scan_warnings(document, [])
    assert not document.warnings
    record_scan_warnings(document, ["low_resolution:p1"])
    assert document.warnings == ["low_resolution:p1"]
