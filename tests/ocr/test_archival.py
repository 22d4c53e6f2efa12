"""The archival searchable PDF: version 1.7, PDF/A-2b identification, sRGB output intent, the text
layer's font embedded, colour kept, the record's metadata written in; veraPDF (from Maven Central)
judges the result."""
from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw

from ocr import digitize
from ocr.archival import ArchivalInfo, describe
from tests.render import ADMIN_LINES, encode, image_pdf, render_lines, text_pdf
from tests.verapdf import validate

INFO = ArchivalInfo(title="Giấy khai sinh — 15/2014", document_type="HT01",
                    digitization_code="001203004567.HT01.UBND.01", agency="UBND xã Tiên Kiên")


def red_marked_scan(dpi: int = 300) -> Image.Image:
    page = render_lines(ADMIN_LINES, dpi=dpi).convert("RGB")
    ImageDraw.Draw(page).ellipse((10, 10, 10 + dpi // 3, 10 + dpi // 3), fill=(220, 0, 0))
    page.info["dpi"] = (dpi, dpi)
    return page


@pytest.fixture
def searchable(tmp_path: Path, pool, out_pdf: Path) -> Path:
    source = tmp_path / "scan.png"
    source.write_bytes(encode(red_marked_scan()))
    digitize(source, "image/png", out_pdf, pool)
    return out_pdf


def test_searchable_pdf_is_pdf_17_with_the_pdf_a_parts(searchable):
    assert searchable.read_bytes().startswith(b"%PDF-1.7")
    with pikepdf.open(searchable) as pdf:
        (intent,) = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFA1" and str(intent.OutputConditionIdentifier) == "sRGB IEC61966-2.1"
        profile = intent.DestOutputProfile
        assert profile.N == 3 and profile.read_bytes()[36:40] == b"acsp"  # an ICC profile
        meta = pdf.open_metadata()
        assert (meta["pdfaid:part"], meta["pdfaid:conformance"]) == ("2", "B")
        fonts = [f for page in pdf.pages for xobj in page.Resources.XObject.values() if xobj.Subtype == "/Form"
                 for f in xobj.Resources.Font.values()]
        assert fonts and all("/FontFile2" in f.DescendantFonts[0].FontDescriptor for f in fonts)


def test_a_kept_uploaded_pdf_page_is_not_claimed_pdf_a(tmp_path, pool, out_pdf):
    source = image_pdf([red_marked_scan()], tmp_path / "scan.pdf")  # upright: its page is kept as it is
    digitize(source, "application/pdf", out_pdf, pool)
    assert out_pdf.read_bytes().startswith(b"%PDF-1.7")
    with pikepdf.open(out_pdf) as pdf:
        assert pdf.Root.OutputIntents[0].S == "/GTS_PDFA1"
        assert "pdfaid:part" not in pdf.open_metadata()


def test_colour_is_kept(searchable):
    doc = pdfium.PdfDocument(str(searchable))
    try:
        image = doc[0].render(scale=1).to_pil().convert("RGB")
    finally:
        doc.close()
    r, g, b = image.getpixel((20, 20))  # inside the red mark (at 72 dpi: the mark spans ~24 px)
    assert r > 180 and g < 60 and b < 60


def test_describe_writes_the_record_and_raises_the_version(tmp_path):
    old = tmp_path / "old.pdf"
    text_pdf([["Quyết định 45/C70a-BHXH"]], old)
    with pikepdf.open(old, allow_overwriting_input=True) as pdf:
        pdf.save(old, force_version="1.3")
    assert old.read_bytes().startswith(b"%PDF-1.3")
    described = describe(old.read_bytes(), INFO)
    assert described.startswith(b"%PDF-1.7")
    with pikepdf.open(io.BytesIO(described)) as pdf:
        meta = pdf.open_metadata()
        assert meta["dc:title"] == INFO.title and meta["dc:identifier"] == INFO.digitization_code
        assert meta["dc:type"] == {"HT01"} and meta["dc:publisher"] == {"UBND xã Tiên Kiên"}  # XMP bags
        assert str(pdf.docinfo["/Title"]) == INFO.title  # the document info agrees with the XMP
        assert "pdfaid:part" not in meta  # a PDF we did not assemble claims no PDF/A


@pytest.mark.slow
def test_verapdf_finds_the_searchable_pdf_and_its_signed_copies_pdf_a_2b(searchable, tmp_path):
    from tests.records.pki import PASSPHRASE, asn1, make_pki
    from core.settings import Settings
    from records.keys import open_signing_key
    from records.signatures import sign_pdf

    pki = make_pki(tmp_path / "pki")
    key = open_signing_key(Settings(data_dir=tmp_path / "var", signing_pkcs12=pki.p12(pki.agency, "agency"),
                                    signing_passphrase=PASSPHRASE.decode()))
    signed, _ = sign_pdf(describe(searchable.read_bytes(), INFO), key, roots=[asn1(pki.ca.certificate)],
                         reason="duyệt", location="PT01")
    (tmp_path / "signed.pdf").write_bytes(signed)
    stamped, _ = sign_pdf(describe(searchable.read_bytes(), INFO), key, roots=[asn1(pki.ca.certificate)],
                          reason="duyệt", location="PT01", stamp="Đã ký số: BHXH Phú Thọ\nCán bộ: handler1")
    (tmp_path / "stamped.pdf").write_bytes(stamped)  # the visible stamp embeds a DejaVu subset
    failures = validate([searchable, tmp_path / "signed.pdf", tmp_path / "stamped.pdf"])
    assert failures == {"searchable.pdf": [], "signed.pdf": [], "stamped.pdf": []}
