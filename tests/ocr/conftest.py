"""Fixtures for OCR tests: one real PagePool for the session, and helpers to read outputs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
import pytest

from ocr import PagePool


@pytest.fixture(scope="session")
def pool() -> Iterator[PagePool]:
    with PagePool(2) as page_pool:
        yield page_pool


@pytest.fixture
def out_pdf(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    return out / "searchable.pdf"


def assert_searchable(path: Path, *pages: list[str]) -> None:
    """``path`` has one page per argument, and both PDF readers find each phrase on its page."""
    with pdfplumber.open(path) as pdf:
        plumber = [page.extract_text() or "" for page in pdf.pages]
    doc = pdfium.PdfDocument(str(path))
    try:
        fast = [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    finally:
        doc.close()
    assert len(plumber) == len(fast) == len(pages)
    for number, phrases in enumerate(pages, 1):
        for phrase in phrases:
            assert squash(phrase) in squash(plumber[number - 1]), (number, phrase, plumber[number - 1])
            assert squash(phrase) in squash(fast[number - 1]), (number, phrase, fast[number - 1])


def squash(text: str) -> str:
    """Whitespace-insensitive form for 'is this phrase in the OCR text' checks."""
    return "".join(text.split())
