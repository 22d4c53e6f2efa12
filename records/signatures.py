"""Signed digitized copies: PAdES signatures with the agency's key, and their verification.

When a paper is approved, or a result issued, a copy of its searchable PDF — with the archival
metadata of its record written in (:func:`ocr.archival.describe`) — is signed with pyHanko
(PAdES: B-B; B-T with a timestamp authority configured; B-LT when revocation information could
be embedded as well). The signature covers the whole file. The signed copy is a new
content-addressed object under ``signed/``; the original scan and the unsigned PDF stay as they
are. Its SHA-256 is registered, so the fixity job notices a changed byte like for any object.

Verification (:func:`verify_document`) runs whenever a paper is offered for reuse, downloaded
through the API and in the fixity job: the stored bytes go through pyHanko's validator against
the trust roots of the configured folder. The outcome is kept on the catalog row (a broken or
untrusted signature blocks reuse there) and audited when it is not ``valid`` or has changed.
"""
from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Protocol

import pikepdf
from asn1crypto import x509 as asn1_x509
from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem
from pyhanko.pdf_utils.font.api import FontEngineFactory
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.ades.report import AdESIndeterminate
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.audit import Actor, record
from catalog.catalogs import active_catalog
from catalog.digitization import APPROVED
from catalog.models import Document, DocumentStatus
from catalog.owners import owner_ref
from catalog.signatures import REASONS, DocumentSignature, SignatureStatus
from core.clock import utcnow
from core.errors import Conflict, Rejected, Unavailable
from core.settings import Settings
from ocr.archival import ArchivalInfo, describe
from records.fixity import record_checksum
from records.keys import SigningKey, signer_name, trust_roots
from records.parts import Stored
from records.signature_cache import VERDICTS, cache_key
from storage import ObjectNotFound, StorageError, content_key

log = logging.getLogger(__name__)

PIPELINE = Actor("system:pipeline", "admin", None, "local")  # signs results when their OCR finishes
FIELD = "SohoaSignature"
STAMP_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"  # fonts-dejavu-core (Makefile RUN_PACKAGES)
SIGNED_PREFIX = "signed"
FETCH_TIMEOUT_S = 5  # per OCSP/CRL request during verification: a dead responder must not stall a checklist
EXPIRY = (AdESIndeterminate.EXPIRED, AdESIndeterminate.NOT_YET_VALID, AdESIndeterminate.OUT_OF_BOUNDS_NO_POE,
          AdESIndeterminate.OUT_OF_BOUNDS_NOT_REVOKED, AdESIndeterminate.REVOKED_NO_POE,
          AdESIndeterminate.REVOKED_CA_NO_POE)


class Signing(Stored, Protocol):
    """What signing uses of a running archive: catalog, store, settings and the agency's key."""

    @property
    def signing_key(self) -> SigningKey | None: ...


# ---------------------------------------------------------------- PDF level

@dataclass(frozen=True)
class Verdict:
    status: SignatureStatus
    reason: str | None = None        # a key of catalog.signatures.REASONS when not valid
    signer: str | None = None
    signed_at: datetime | None = None
    detail: str | None = None        # pyHanko's account, for the archivist (no personal data)


def sign_pdf(pdf: bytes, key: SigningKey, *, roots: Sequence[asn1_x509.Certificate], tsa_url: str = "",
             reason: str, location: str, stamp: str | None = None) -> tuple[bytes, str]:
    """Sign ``pdf`` (PAdES, whole file) and return the signed bytes and the PAdES level reached."""
    timestamper = HTTPTimeStamper(tsa_url) if tsa_url else None
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES, reason=reason,
        location=location,
        # With a timestamp: also embed the chain and whatever revocation info can be fetched (B-LT).
        embed_validation_info=timestamper is not None,
        validation_context=ValidationContext(trust_roots=list(roots), allow_fetching=True,
                                             revocation_mode="soft-fail") if timestamper else None)
    spec, style = None, None
    if stamp is not None:
        spec = fields.SigFieldSpec(FIELD, on_page=0, box=(36, 36, 266, 106))
        style = TextStampStyle(stamp_text=stamp + "\n%(ts)s", text_box_style=_stamp_text_style())
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    try:
        with key.lock:
            out = signers.PdfSigner(meta, signer=key.signer, timestamper=timestamper, stamp_style=style,
                                    new_field_spec=spec).sign_pdf(writer)
    except Exception as exc:  # token gone, TSA unreachable, chain not validating: nothing was stored
        log.warning("signing failed: %s", type(exc).__name__)
        raise Unavailable("signing_failed", "Không ký số được bản số hoá (thiết bị ký hoặc máy chủ dấu thời "
                                            "gian không phản hồi); chưa ghi nhận.") from exc
    signed = out.getvalue()
    return signed, _level(signed, timestamper is not None)


class _StampFont(FontEngineFactory):
    """DejaVu Sans (installed with the runtime fonts), embedded for the Vietnamese stamp text.

    Rescaled to 1000 units per em first: pyHanko writes the glyph widths in the font's own units,
    which for DejaVu's 2048 disagree with the embedded program (PDF/A-2b rule 6.2.11.5)."""

    def create_font_engine(self, writer, obj_stream=None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs:
            obj_stream = writer.prepare_object_stream()
        return GlyphAccumulator(writer=writer, font_handle=io.BytesIO(_stamp_font_program()), font_size=8,
                                obj_stream=obj_stream)


@cache
def _stamp_font_program() -> bytes:
    font = TTFont(STAMP_FONT)
    scale_upem(font, 1000)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _stamp_text_style() -> TextBoxStyle:
    return TextBoxStyle(font=_StampFont())


def _level(signed: bytes, timestamped: bool) -> str:
    if not timestamped:
        return "B-B"
    root = PdfFileReader(io.BytesIO(signed), strict=False).root
    dss = root["/DSS"] if "/DSS" in root else None
    has_revocation = dss is not None and any(k in dss and len(dss[k]) for k in ("/OCSPs", "/CRLs"))
    return "B-LT" if has_revocation else "B-T"


def _whole_file(status: PdfSignatureStatus) -> bool:
    """The signature covers every byte, or every byte but later validation data (the DSS of B-LT)."""
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return True
    return (status.coverage == SignatureCoverageLevel.ENTIRE_REVISION and status.modification_level is not None
            and status.modification_level <= ModificationLevel.LTA_UPDATES)


def validation_context(roots: Sequence[asn1_x509.Certificate], revocation: bool) -> ValidationContext:
    """Trust ``roots``; with ``revocation``, ask the OCSP responders and CRLs the certificates name
    (soft-fail: an unreachable one is not held against the signature, a "revoked" answer is)."""
    if not revocation:
        return ValidationContext(trust_roots=list(roots), allow_fetching=False, revocation_mode="soft-fail")
    return ValidationContext(trust_roots=list(roots), allow_fetching=True, revocation_mode="soft-fail",
                             fetcher_backend=RequestsFetcherBackend(per_request_timeout=FETCH_TIMEOUT_S))


def verify_pdf(data: bytes, roots: Sequence[asn1_x509.Certificate], expected_sha256: str | None = None, *,
               revocation: bool = False, context: ValidationContext | None = None) -> Verdict:
    """Check the PAdES signature of ``data`` against ``roots`` with pyHanko's validator; a ``context``
    made by :func:`validation_context` for ``roots`` may be shared by many checks (the fixity run):
    it keeps the revocation answers it fetched, one OCSP request per certificate, not per copy."""
    altered = expected_sha256 is not None and hashlib.sha256(data).hexdigest() != expected_sha256
    try:
        signatures = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
        if not signatures:
            return Verdict(SignatureStatus.invalid, "no_signature")
        context = context or validation_context(roots, revocation)
        status = validate_pdf_signature(signatures[-1], context, ts_validation_context=context)
    except Exception as exc:  # a damaged file does not parse, or its CMS does not decode
        return Verdict(SignatureStatus.invalid, "altered", detail=f"{type(exc).__name__}: {exc}"[:500])
    signer = signer_name(status.signing_cert) if status.signing_cert is not None else None
    signed_at = status.timestamp_validity.timestamp if status.timestamp_validity else status.signer_reported_dt
    found = {"signer": signer, "signed_at": signed_at}
    if altered or not status.intact or not status.valid:
        return Verdict(SignatureStatus.invalid, "altered", detail=status.summary(), **found)
    if not _whole_file(status):
        return Verdict(SignatureStatus.invalid, "not_whole_file", detail=status.summary(), **found)
    if status.revoked:  # the signer's certificate itself: the signature no longer holds
        return Verdict(SignatureStatus.invalid, "revoked", detail=str(status.trust_problem_indic), **found)
    if not status.trusted:
        why = "expired" if status.trust_problem_indic in EXPIRY else "untrusted"
        return Verdict(SignatureStatus.untrusted, why, detail=str(status.trust_problem_indic), **found)
    return Verdict(SignatureStatus.valid, **found)


def check_key(key: SigningKey, settings: Settings, roots: Sequence[asn1_x509.Certificate]) -> tuple[str, Verdict]:
    """``sohoa keys check``: sign a blank page as the service would and verify it; nothing is stored."""
    key.check_usable(utcnow())
    page = io.BytesIO()
    with pikepdf.new() as pdf:
        pdf.add_blank_page(page_size=(595, 842))
        pdf.save(page, min_version="1.7")
    signed, level = sign_pdf(page.getvalue(), key, roots=roots, tsa_url=settings.tsa_url, reason="Kiểm tra khoá ký",
                             location=settings.agency_code)
    return level, verify_pdf(signed, roots, revocation=settings.signature_revocation_check)


# ---------------------------------------------------------------- documents

def sign_document(parts: Signing, session: Session, document: Document, trigger: str,
                  actor: Actor, signed_by: str | None = None) -> DocumentSignature | None:
    """Sign the searchable PDF of an approved paper or issued result; None without a signing key.

    A failure raises before anything is recorded, so the caller's decision rolls back with it
    (an approval is not recorded as signed when it was not).
    """
    key = parts.signing_key
    if key is None:
        return None
    now = utcnow()
    key.check_usable(now)
    settings = parts.settings
    try:
        with parts.store.open(document.pdf_key) as f:
            unsigned = f.read()
    except ObjectNotFound as exc:
        raise Conflict("no_searchable_pdf", "Tài liệu chưa có bản PDF để ký số.") from exc
    try:
        archival = describe(unsigned, _archival_info(session, document, settings.agency_code))
    except pikepdf.PdfError as exc:
        raise Conflict("pdf_not_signable", "Bản PDF của tài liệu bị hỏng, không ký số được.") from exc
    roots = trust_roots(settings)
    signed, level = sign_pdf(archival, key, roots=roots, tsa_url=settings.tsa_url,
                             reason=_REASON[trigger], location=settings.agency_code,
                             stamp=_stamp(settings.agency_code, actor) if settings.signature_stamp else None)
    sha = hashlib.sha256(signed).hexdigest()
    verdict = verify_pdf(signed, roots, sha, revocation=settings.signature_revocation_check)
    if verdict.status != SignatureStatus.valid:  # e.g. the agency's CA is not in the trust folder, or revoked
        log.warning("signed copy does not verify: %s (%s)", verdict.status.value, verdict.reason)
        raise Unavailable(f"signature_{verdict.status.value}",
                          f"Bản ký số không kiểm tra được: {REASONS.get(verdict.reason, verdict.reason)} "
                          "Kiểm tra cấu hình khoá ký và thư mục chứng thư tin cậy.")
    object_key = content_key(sha, prefix=SIGNED_PREFIX)
    parts.store.put_bytes(object_key, signed, content_type="application/pdf")
    record_checksum(session, object_key, sha, len(signed), "signature")
    row = session.get(DocumentSignature, document.id) or DocumentSignature(document_id=document.id, earlier_keys=[])
    if row.key is not None and row.key != object_key:
        row.earlier_keys = [*row.earlier_keys, row.key]
    row.key, row.sha256, row.size, row.level = object_key, sha, len(signed), level
    row.signer, row.key_source, row.trigger = key.subject, key.source, trigger
    row.signed_by, row.signed_at = signed_by or actor.username, now
    _apply(row, verdict, "signing")
    session.add(row)
    record(session, actor, "document.sign", "document", document.id, owner_ref(document.owner),
           level=level, key_source=key.source, trigger=trigger, sha256=sha, status=row.status)
    return row


def sign_issued_result(parts: Signing, session: Session, document: Document,
                       actor: Actor) -> DocumentSignature | None:
    """Sign a result once it is issued and its searchable PDF exists (attached results are approved
    at once, but OCR runs after the upload), unless it is signed already."""
    if (document.kind != "result" or document.review_status != APPROVED or document.status != DocumentStatus.ready.value
            or session.get(DocumentSignature, document.id) is not None):
        return None
    return sign_document(parts, session, document, "result", actor, signed_by=document.reviewed_by)


def sign_issued_result_or_leave(parts: Signing, session: Session, document: Document,
                                actor: Actor) -> DocumentSignature | None:
    """:func:`sign_issued_result`, except that a refusal (token unplugged, timestamp authority down,
    certificate expired) leaves the result unsigned for the signing retry
    (records/signing_backlog.py) instead of undoing the caller's work: a result is issued whether or
    not its digitized copy could be signed yet. Nothing is recorded before such a refusal."""
    try:
        return sign_issued_result(parts, session, document, actor)
    except Rejected as exc:
        log.warning("result %s left unsigned for the retry: %s", document.id, exc.code)
        return None


_REASON = {"approval": "Bản số hoá đã được duyệt", "result": "Kết quả giải quyết thủ tục hành chính"}


def _stamp(agency: str, actor: Actor) -> str:
    return f"Đã ký số: {agency}\nCán bộ: {actor.username}"


def _archival_info(session: Session, document: Document, agency: str) -> ArchivalInfo:
    types = active_catalog(session).document_types
    type_name = (types.get(document.document_type_code) or {}).get("name") if document.document_type_code else None
    title = " — ".join(x for x in (type_name, document.document_number) if x) or document.filename
    return ArchivalInfo(title=title, document_type=document.document_type_code or "",
                        digitization_code=document.digitization_code or "", agency=document.issuing_agency or agency)


def verify_document(parts: Stored, session: Session, document_id: str, purpose: str,
                    actor: Actor, context: ValidationContext | None = None) -> DocumentSignature | None:
    """Check the stored signed copy again and keep the outcome; None when the paper has none."""
    row = session.get(DocumentSignature, document_id)
    if row is None:
        return None
    try:
        with parts.store.open(row.key) as f:
            data = f.read()
        verdict = verify_stored(data, row.sha256, parts.settings, cached=purpose != "fixity", context=context)
    except StorageError as exc:  # missing, or the store's own hash check failed on read
        reason = "altered" if not isinstance(exc, ObjectNotFound) else "unreadable"
        verdict = Verdict(SignatureStatus.invalid, reason, detail=type(exc).__name__)
    before = (row.status, row.reason)
    _apply(row, verdict, purpose)
    if verdict.status != SignatureStatus.valid or before != (row.status, row.reason):
        document = session.get(Document, document_id)
        log.warning("signature of document %s: %s (%s) at %s", document_id, row.status, row.reason, purpose)
        record(session, actor, "document.signature_check", "document", document_id,
               owner_ref(document.owner) if document else None, purpose=purpose, status=row.status,
               reason=row.reason, previous=before[0])
    return row


def verify_stored(data: bytes, expected_sha256: str, settings: Settings, *, cached: bool = True,
                  at: datetime | None = None, context: ValidationContext | None = None) -> Verdict:
    """:func:`verify_pdf` with the configured trust roots and revocation checking; with ``cached``
    a verdict on the same bytes, trust roots and time bucket is reused (records/signature_cache.py)."""
    roots = trust_roots(settings)
    revocation = settings.signature_revocation_check
    sha = hashlib.sha256(data).hexdigest()

    def compute() -> Verdict:
        return verify_pdf(data, roots, expected_sha256, revocation=revocation, context=context)

    if not cached or sha != expected_sha256:  # altered bytes are judged afresh, and never kept
        return compute()
    key = cache_key(sha, roots, revocation, settings.signature_cache_minutes, at or utcnow())
    return VERDICTS.get_or_compute(key, compute)


def verify_owner(parts: Stored, session: Session, owner_id: int, actor: Actor) -> None:
    """Check the signed copies of an owner's papers before they are offered for reuse (one validation
    context for them all: a certificate's revocation is asked once per checklist)."""
    ids = session.scalars(select(DocumentSignature.document_id).join(Document, Document.id == DocumentSignature.document_id)
                          .where(Document.owner_id == owner_id))
    context = validation_context(trust_roots(parts.settings), parts.settings.signature_revocation_check)
    for document_id in list(ids):
        verify_document(parts, session, document_id, "reuse", actor, context)


@dataclass(frozen=True)
class Failed:
    document_id: str
    key: str
    status: str
    reason: str | None


def verify_all(parts: Stored, actor: Actor, purpose: str = "fixity") -> list[Failed]:
    """Check every signed copy, one catalog transaction each (the fixity job); returns those not valid.
    One validation context serves the whole run: each certificate's revocation is asked once."""
    with parts.db.session() as s:
        ids = list(s.scalars(select(DocumentSignature.document_id).order_by(DocumentSignature.document_id)))
    context = validation_context(trust_roots(parts.settings), parts.settings.signature_revocation_check)
    failed = []
    for document_id in ids:
        with parts.db.session() as s:
            row = verify_document(parts, s, document_id, purpose, actor, context)
            if row is not None and row.status != SignatureStatus.valid.value:
                failed.append(Failed(document_id, row.key, row.status, row.reason))
    return failed


def _apply(row: DocumentSignature, verdict: Verdict, purpose: str) -> None:
    row.status, row.reason, row.detail = verdict.status.value, verdict.reason, verdict.detail
    row.checked_at, row.checked_for = utcnow(), purpose
