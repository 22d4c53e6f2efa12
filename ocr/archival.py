"""Archival PDF: what makes a searchable PDF a PDF/A-2b candidate, and its descriptive metadata.

Decree 30/2020 and Circular 01/2023 ask for PDF 1.4 or later; PDF/A-2b (OCRmyPDF's default for
archives) adds what an archive needs to render the file in decades: fonts embedded (the text
layer's glyph-less font, :mod:`ocr.textpdf`), XMP metadata saying the file claims PDF/A-2b, and an
output intent naming the colour space the page images are meant in — sRGB, with the profile
littleCMS builds in (through Pillow: no profile file of unclear licence in the repository).
Colour images stay colour.

The descriptive metadata (title, document type, digitization code, agency) is known only once a
person approved the record, so :func:`describe` writes it into the copy that is then signed,
using Dublin Core properties (no XMP extension schema needed).
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache

import pikepdf
from PIL import ImageCms

PDF_VERSION = "1.7"  # PDF/A-2 is built on ISO 32000-1 (PDF 1.7)
SRGB = "sRGB IEC61966-2.1"
PRODUCER = "sohoa"


@cache
def srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def make_archival(pdf: pikepdf.Pdf, *, claim: bool = True) -> None:
    """Add the sRGB output intent and, with ``claim``, the PDF/A-2b identification (in place).

    Claim it only for PDFs whose every page we made ourselves: a page kept from an uploaded PDF
    may use what PDF/A forbids (LZW, unembedded fonts, transparency), whatever the file says."""
    profile = pdf.make_stream(srgb_profile())
    profile.N = 3
    intent = pikepdf.Dictionary(Type=pikepdf.Name.OutputIntent, S=pikepdf.Name.GTS_PDFA1,
                                OutputConditionIdentifier=SRGB, Info=SRGB, RegistryName="http://www.color.org",
                                DestOutputProfile=profile)
    pdf.Root.OutputIntents = pikepdf.Array([pdf.make_indirect(intent)])
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        if claim:
            meta["pdfaid:part"] = "2"
            meta["pdfaid:conformance"] = "B"
        meta["pdf:Producer"] = PRODUCER
        meta["xmp:CreatorTool"] = PRODUCER


@dataclass(frozen=True)
class ArchivalInfo:
    title: str
    document_type: str
    digitization_code: str
    agency: str


def describe(data: bytes, info: ArchivalInfo) -> bytes:
    """``data`` rewritten with the record's metadata in XMP and the document info, version ≥ 1.7."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["dc:title"] = info.title
            if info.document_type:
                meta["dc:type"] = [info.document_type]
            if info.digitization_code:
                meta["dc:identifier"] = info.digitization_code
            if info.agency:
                meta["dc:publisher"] = [info.agency]
                meta["dc:creator"] = [info.agency]
            meta["pdf:Producer"] = PRODUCER
        out = io.BytesIO()
        pdf.save(out, min_version=PDF_VERSION)
        return out.getvalue()
