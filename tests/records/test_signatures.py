"""PAdES signing and verification with pyHanko: a test CA made here, pyHanko's own validator,
a changed byte, expired and untrusted certificates, a timestamp authority on loopback, and the
agency key on a SoftHSM2 token through the same interface."""
from __future__ import annotations

import datetime as dt
import io
import shutil
from pathlib import Path

import img2pdf
import pikepdf
import pytest
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from catalog.signatures import SignatureStatus
from core.errors import Unavailable
from core.settings import Settings
from ocr.archival import make_archival
from records.keys import open_signing_key, trust_roots
from records.signatures import sign_pdf, verify_pdf
from tests.records.pki import (PASSPHRASE, Pki, asn1, make_pki, ocsp_responder, softhsm_token, timestamp_authority,
                               with_crl, with_ocsp)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def scanned_pdf(colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A one-page image PDF made a PDF/A candidate, as the pipeline writes them."""
    image = Image.new("RGB", (600, 840), "white")
    image.paste(colour, (50, 50, 150, 150))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", dpi=(200, 200))
    with pikepdf.open(io.BytesIO(img2pdf.convert(buffer.getvalue()))) as pdf:
        make_archival(pdf)
        out = io.BytesIO()
        pdf.save(out, min_version="1.7")
        return out.getvalue()


def settings_with(tmp_path: Path, **kw) -> Settings:
    return Settings(data_dir=tmp_path / "var", **kw)


def key_for(pki: Pki, tmp_path: Path, holder=None, name="agency"):
    path = pki.p12(holder or pki.agency, name)
    return open_signing_key(settings_with(tmp_path, signing_pkcs12=path, signing_passphrase=PASSPHRASE.decode(),
                                          trust_dir=pki.trust_dir))


def test_signed_copy_validates_with_pyhankos_own_validator(pki, tmp_path):
    key = key_for(pki, tmp_path)
    signed, level = sign_pdf(scanned_pdf(), key, roots=[asn1(pki.ca.certificate)], reason="duyệt", location="PT01")
    assert level == "B-B" and signed.startswith(b"%PDF-1.7")
    (embedded,) = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    status = validate_pdf_signature(embedded, ValidationContext(trust_roots=[asn1(pki.ca.certificate)]))
    assert status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES, not plain PKCS#7
    verdict = verify_pdf(signed, trust_roots(settings_with(tmp_path, trust_dir=pki.trust_dir)))
    assert verdict.status == SignatureStatus.valid
    assert verdict.signer == "BHXH Tỉnh Phú Thọ (thử nghiệm)"
    assert abs(verdict.signed_at - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(minutes=2)


def test_one_changed_byte_breaks_the_signature(pki, tmp_path):
    key = key_for(pki, tmp_path)
    roots = [asn1(pki.ca.certificate)]
    signed, _ = sign_pdf(scanned_pdf(), key, roots=roots, reason="duyệt", location="PT01")
    for position in (len(signed) // 3, 200, len(signed) - 40):  # image data, header area, the end
        damaged = bytearray(signed)
        damaged[position] ^= 0x01
        verdict = verify_pdf(bytes(damaged), roots)
        assert verdict.status == SignatureStatus.invalid, position
    # the hash recorded at signing catches a change the PDF parser might shrug off, too
    assert verify_pdf(signed, roots, expected_sha256="0" * 64).status == SignatureStatus.invalid
    assert verify_pdf(scanned_pdf(), roots).reason == "no_signature"


def test_untrusted_and_expired_certificates_are_refused(pki, tmp_path):
    roots = [asn1(pki.ca.certificate)]
    stranger = key_for(pki, tmp_path, pki.stranger, "stranger")
    signed, _ = sign_pdf(scanned_pdf(), stranger, roots=roots, reason="duyệt", location="PT01")
    verdict = verify_pdf(signed, roots)
    assert (verdict.status, verdict.reason) == (SignatureStatus.untrusted, "untrusted")
    assert verify_pdf(signed, []).status == SignatureStatus.untrusted  # no trust roots configured

    expired = key_for(pki, tmp_path, pki.expired, "expired")
    with pytest.raises(Unavailable) as refused:
        expired.check_usable(dt.datetime.now(dt.timezone.utc))
    assert refused.value.code == "signing_certificate_expired"
    # a copy signed with it anyway (a clock set back) does not verify as trusted
    signed, _ = sign_pdf(scanned_pdf(), expired, roots=roots, reason="duyệt", location="PT01")
    verdict = verify_pdf(signed, roots)
    assert (verdict.status, verdict.reason) == (SignatureStatus.untrusted, "expired")


def test_a_wrong_passphrase_is_a_clear_refusal_and_never_logged(pki, tmp_path, caplog):
    path = pki.p12(pki.agency, "agency")
    with pytest.raises(Unavailable) as refused:
        open_signing_key(settings_with(tmp_path, signing_pkcs12=path, signing_passphrase="sai-mat-khau"))
    assert refused.value.code == "signing_key_unreadable"
    assert "sai-mat-khau" not in caplog.text and "sai-mat-khau" not in repr(refused.value)
    assert "sai-mat-khau" not in repr(settings_with(tmp_path, signing_passphrase="sai-mat-khau"))


def test_with_a_timestamp_authority_the_signature_is_b_t(pki, tmp_path):
    key = key_for(pki, tmp_path)
    roots = [asn1(pki.ca.certificate)]
    with timestamp_authority(pki.ca) as authority:
        signed, level = sign_pdf(scanned_pdf(), key, roots=roots, tsa_url=authority.tsa_url, reason="duyệt",
                                 location="PT01")
    assert set(authority.requests) == {"/tsa"}
    assert level == "B-T"  # the agency certificate names no CRL or OCSP: no revocation info, so not B-LT
    (embedded,) = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    context = ValidationContext(trust_roots=roots)
    status = validate_pdf_signature(embedded, context, ts_validation_context=context)
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted
    assert "/DSS" in PdfFileReader(io.BytesIO(signed)).root  # the chain is embedded for later validation
    verdict = verify_pdf(signed, roots)
    assert verdict.status == SignatureStatus.valid and verdict.signed_at == status.timestamp_validity.timestamp


def test_with_a_reachable_crl_the_signature_is_b_lt(pki, tmp_path):
    roots = [asn1(pki.ca.certificate)]
    with timestamp_authority(pki.ca) as authority:
        holder = with_crl(pki.agency, pki.ca, authority.crl_url)
        key = key_for(pki, tmp_path, holder, "agency-crl")
        signed, level = sign_pdf(scanned_pdf(), key, roots=roots, tsa_url=authority.tsa_url, reason="duyệt",
                                 location="PT01")
    assert level == "B-LT" and "/crl" in authority.requests
    dss = PdfFileReader(io.BytesIO(signed)).root["/DSS"]
    assert len(dss["/CRLs"]) >= 1  # revocation info embedded: verifiable after the CA is gone
    assert verify_pdf(signed, roots).status == SignatureStatus.valid


def test_an_unreachable_timestamp_authority_refuses_signing(pki, tmp_path):
    key = key_for(pki, tmp_path)
    with pytest.raises(Unavailable) as refused:
        sign_pdf(scanned_pdf(), key, roots=[asn1(pki.ca.certificate)], tsa_url="http://127.0.0.1:9/tsa",
                 reason="duyệt", location="PT01")
    assert refused.value.code == "signing_failed"


@pytest.mark.skipif(shutil.which("softhsm2-util") is None, reason="softhsm2 not installed (make system-test)")
def test_a_pkcs11_token_signs_through_the_same_interface(pki, tmp_path):
    token = softhsm_token(tmp_path / "hsm", pki.agency)
    settings = settings_with(tmp_path, signing_pkcs11_module=token.module, signing_pkcs11_token=token.label,
                             signing_pkcs11_key=token.key_label, signing_pkcs11_pin=token.pin,
                             trust_dir=pki.trust_dir)
    key = open_signing_key(settings)
    try:
        assert key.source == "pkcs11" and key.subject == "BHXH Tỉnh Phú Thọ (thử nghiệm)"
        signed, _ = sign_pdf(scanned_pdf(), key, roots=trust_roots(settings), reason="duyệt", location="PT01")
    finally:
        key.close()
    assert verify_pdf(signed, trust_roots(settings)).status == SignatureStatus.valid
    wrong_pin = settings.model_copy(update={"signing_pkcs11_pin": settings.signing_pkcs11_pin.__class__("000000")})
    with pytest.raises(Unavailable) as refused:
        open_signing_key(wrong_pin)
    assert refused.value.code == "signing_token_unavailable"
    with pytest.raises(Unavailable) as refused:
        open_signing_key(settings.model_copy(update={"signing_pkcs11_key": "no-such-key"}))
    assert refused.value.code == "signing_token_unavailable"


def test_a_visible_stamp_is_drawn_and_still_verifies(pki, tmp_path):
    key = key_for(pki, tmp_path)
    roots = [asn1(pki.ca.certificate)]
    signed, _ = sign_pdf(scanned_pdf(), key, roots=roots, reason="duyệt", location="PT01",
                         stamp="Đã ký số: BHXH\nCán bộ: handler1")
    with pikepdf.open(io.BytesIO(signed)) as pdf:
        (widget,) = pdf.pages[0].Annots
        x1, y1, x2, y2 = (float(v) for v in widget.Rect)
        assert x2 - x1 > 100 and y2 - y1 > 30 and "/N" in widget.AP
    assert verify_pdf(signed, roots).status == SignatureStatus.valid


def test_b_lt_with_a_real_ocsp_responder_and_a_revoked_signer(pki, tmp_path):
    """The agency certificate names the CA's OCSP responder (served here on loopback): signing embeds
    its "good" answer (B-LT); once the responder says "revoked", verification finds the copy invalid."""
    roots = [asn1(pki.ca.certificate)]
    with timestamp_authority(pki.ca) as authority, ocsp_responder(pki.ca) as responder:
        holder = with_ocsp(pki.agency, pki.ca, responder.url)
        key = key_for(pki, tmp_path, holder, "agency-ocsp")
        signed, level = sign_pdf(scanned_pdf(), key, roots=roots, tsa_url=authority.tsa_url, reason="duyệt",
                                 location="PT01")
        assert level == "B-LT" and holder.certificate.serial_number in responder.requests
        dss = PdfFileReader(io.BytesIO(signed)).root["/DSS"]
        assert len(dss["/OCSPs"]) >= 1  # the responder's answer is in the file
        assert verify_pdf(signed, roots, revocation=True).status == SignatureStatus.valid
        asked = len(responder.requests)

        responder.revoke(holder.certificate)
        verdict = verify_pdf(signed, roots, revocation=True)
        assert (verdict.status, verdict.reason) == (SignatureStatus.invalid, "revoked")
        assert len(responder.requests) > asked  # asked again, not answered from the file
        assert verify_pdf(signed, roots, revocation=False).status == SignatureStatus.valid  # checking off

        # and a revoked certificate signs nothing: with a timestamp pyHanko refuses while embedding
        # the revocation info, without one the service's own check after signing refuses
        with pytest.raises(Unavailable) as refused:
            sign_pdf(scanned_pdf(), key, roots=roots, tsa_url=authority.tsa_url, reason="duyệt", location="PT01")
        assert refused.value.code == "signing_failed"
        unstamped, level = sign_pdf(scanned_pdf(), key, roots=roots, reason="duyệt", location="PT01")
        assert level == "B-B"
        assert verify_pdf(unstamped, roots, revocation=True).reason == "revoked"


def test_an_unreachable_ocsp_responder_is_not_held_against_the_signature(pki, tmp_path):
    with ocsp_responder(pki.ca) as responder:
        url = responder.url
    holder = with_ocsp(pki.agency, pki.ca, url)  # nothing listens there any more
    roots = [asn1(pki.ca.certificate)]
    signed, _ = sign_pdf(scanned_pdf(), key_for(pki, tmp_path, holder, "agency-gone"), roots=roots,
                         reason="duyệt", location="PT01")
    assert verify_pdf(signed, roots, revocation=True).status == SignatureStatus.valid
