"""API shapes. Field names are the English domain words of DESIGN.md."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from api.inputs import Input
from api.coding_schemas import PaperRecordOut, TypeOut, document_type_of
from api.register_schemas import RegisterOut
from catalog import reuse
from catalog.models import Channel, Component, Document, Dossier, Owner
from catalog.signatures import REASONS
from ingest.warning_notes import notices


class OwnerIn(Input):
    personal_id: str | None = Field(None, description="Số định danh cá nhân, 12 digits")
    social_insurance_code: str | None = Field(None, description="Mã số BHXH, 10 digits")
    full_name: str | None = Field(None, max_length=200)


class DossierCreate(Input):
    procedure_code: str = Field(..., max_length=32)
    owner: OwnerIn
    channel: Channel = Channel.counter
    linked: bool = Field(False, description="Received under the interconnected one-stop mechanism (một cửa liên "
                                            "thông), for several agencies at once")


class OwnerOut(BaseModel):
    personal_id: str | None
    social_insurance_code: str | None
    full_name: str | None

    @classmethod
    def of(cls, owner: Owner | None) -> OwnerOut | None:
        if owner is None:
            return None
        return cls(personal_id=owner.personal_id, social_insurance_code=owner.social_insurance_code,
                   full_name=owner.full_name)


class Progress(BaseModel):
    pages_done: int
    page_count: int
    percent: int


class ErrorOut(BaseModel):
    code: str
    message: str


class DocumentSummary(BaseModel):
    id: str
    filename: str
    status: str
    page_count: int
    progress: Progress
    links: dict[str, str]

    @classmethod
    def of(cls, d: Document) -> DocumentSummary:
        return cls(id=d.id, filename=d.filename, status=d.status, page_count=d.page_count,
                   progress=progress(d), links=document_links(d.id))


class ComponentSourceOut(BaseModel):
    kind: str = Field(description="uploaded (digitized for an earlier dossier) | result (issued by one)")
    dossier_code: str | None


class ComponentOut(BaseModel):
    id: int
    component_code: str | None
    reused: bool
    source: ComponentSourceOut | None = Field(None, description="For a reused paper: where it came from")
    from_national_store: bool = Field(False, description="Taken from the national data store (DuocLayTuKhoDMQG)")
    document: DocumentSummary

    @classmethod
    def of(cls, c: Component) -> ComponentOut:
        source = None
        if c.reused and c.source_kind:
            source = ComponentSourceOut(kind=c.source_kind,
                                        dossier_code=c.source_dossier.code if c.source_dossier else None)
        return cls(id=c.id, component_code=c.component_code, reused=c.reused, source=source,
                   from_national_store=bool(c.from_national_store), document=DocumentSummary.of(c.document))


class ReuseFiguresOut(BaseModel):
    components: int
    reused: int = Field(description="Components taken from papers digitized earlier")
    digitized: int = Field(description="Components digitized for this dossier")
    share: float = Field(description="reused / components, 0..1")


class DossierOut(BaseModel):
    code: str
    procedure_code: str
    procedure_name: str
    channel: str
    linked: bool = Field(description="Handled under the interconnected one-stop mechanism (một cửa liên thông)")
    office_code: str | None = Field(description="The office the dossier belongs to")
    status: str
    received_at: datetime
    due_at: datetime | None
    owner: OwnerOut | None
    components: list[ComponentOut]
    reuse: ReuseFiguresOut
    lifecycle: RegisterOut | None = Field(None, description="The register: version, assignee, steps, history")

    @classmethod
    def of(cls, d: Dossier, lifecycle: RegisterOut | None = None) -> DossierOut:
        return cls(
            code=d.code, procedure_code=d.procedure_code, procedure_name=d.procedure.name, channel=d.channel,
            linked=d.linked, office_code=d.office_code,
            status=d.status, received_at=d.received_at, due_at=d.due_at, owner=OwnerOut.of(d.owner),
            components=[ComponentOut.of(c) for c in d.components],
            reuse=ReuseFiguresOut(**reuse.figures(d.components).to_json()), lifecycle=lifecycle,
        )


class AcceptedOut(BaseModel):
    id: str
    filename: str
    status: str
    duplicate: bool = Field(description="The same bytes were already digitized for this owner")
    page_count: int
    links: dict[str, str]


class UploadOut(BaseModel):
    dossier_code: str
    documents: list[AcceptedOut]


class PageOut(BaseModel):
    number: int
    confidence: float | None
    source: str
    rotation: int
    skew: float


class SignatureOut(BaseModel):
    status: str = Field(description="valid | invalid | untrusted | unsigned")
    signer: str | None = Field(None, description="Subject of the signing certificate (the agency)")
    signed_at: datetime | None = None
    level: str | None = Field(None, description="PAdES level: B-B, B-T or B-LT")
    reason: str | None = Field(None, description="Why it is not valid (code)")
    message: str | None = Field(None, description="Why it is not valid, for the counter")
    checked_at: datetime | None = None

    @classmethod
    def of(cls, d: Document) -> SignatureOut:
        s = d.signature
        if s is None:
            return cls(status="unsigned")
        return cls(status=s.status, signer=s.signer, signed_at=s.signed_at, level=s.level, reason=s.reason,
                   message=REASONS.get(s.reason) if s.reason else None, checked_at=s.checked_at)


class NoticeOut(BaseModel):
    code: str
    page: int | None
    message: str = Field(description="The warning for the counter, in Vietnamese")
    rescan: bool = Field(description="A new scan of the paper would cure it")


class DocumentOut(BaseModel):
    id: str
    filename: str
    media_type: str
    size: int
    sha256: str
    status: str
    warnings: list[str] = Field(description="Accepted, but worth a look: extension_mismatch (the file's name "
                                "does not say what its bytes are), low resolution, low OCR confidence")
    notices: list[NoticeOut] = Field(description="The warnings (and the extracted fields' owner_mismatch) "
                                     "explained in Vietnamese, with the ones a rescan cures")
    error: ErrorOut | None
    attempts: int = Field(description="Processing attempts so far (a dead letter has used them all)")
    progress: Progress
    page_count: int
    mean_confidence: float | None
    document_type_code: str | None
    document_type: TypeOut | None = Field(description="Confirmed type, else the proposal, with confidence")
    alternatives: list[TypeOut] = Field(description="Runner-up types of the proposal (top 3)")
    needs_review: bool = Field(description="Low-confidence proposal: the counter must confirm the type")
    fields: dict | None = Field(description="Extracted fields: value, confidence, page and box")
    record: PaperRecordOut
    owner: OwnerOut | None
    dossier_codes: list[str]
    pages: list[PageOut]
    text: str | None
    signature: SignatureOut
    min_dpi: float | None = Field(description="Lowest effective resolution of the scanned pages (pixels over page "
                                  "size); below 200 dpi the warnings carry low_resolution")
    created_at: datetime
    updated_at: datetime
    links: dict[str, str]

    @classmethod
    def of(cls, d: Document) -> DocumentOut:
        ready = d.status == "ready"
        document_type, alternatives, needs_review = document_type_of(d)
        return cls(
            document_type=document_type, alternatives=alternatives, needs_review=needs_review,
            fields=d.fields, record=PaperRecordOut.of(d), warnings=list(d.warnings or []),
            notices=[NoticeOut(**vars(n)) for n in notices(d.warnings, d.fields, d.media_type)],
            id=d.id, filename=d.filename, media_type=d.media_type, size=d.size, sha256=d.sha256, status=d.status,
            error=ErrorOut(code=d.error_code, message=d.error_message or "") if d.error_code else None,
            attempts=d.attempts, progress=progress(d), page_count=d.page_count, mean_confidence=d.mean_confidence,
            document_type_code=d.document_type_code, owner=OwnerOut.of(d.owner),
            dossier_codes=sorted({c.dossier.code for c in d.components}),
            pages=[PageOut(number=p.number, confidence=p.confidence, source=p.source, rotation=p.rotation,
                           skew=p.skew) for p in d.pages] if ready else [],
            text="\n\f\n".join(p.text for p in d.pages) if ready else None,
            signature=SignatureOut.of(d), min_dpi=d.min_dpi,
            created_at=d.created_at, updated_at=d.updated_at,
            links={**document_links(d.id), **({"signed": f"/api/v1/documents/{d.id}/file?variant=signed"}
                                              if d.signature is not None else {})},
        )


class HitOut(BaseModel):
    id: str
    score: float
    title: str
    document_type: str | None
    owner_ids: list[str]
    created_at: datetime
    highlights: list[str]
    links: dict[str, str]
    office: str | None = None  # the office whose record it is (catalog/home_office.py)


class SearchOut(BaseModel):
    total: int
    total_exact: bool = Field(description=(
        "False: total and facets are estimates (two significant digits) counted over a sample of a "
        "big result set; exact_total=true asks for exact counts"))
    took_ms: float
    hits: list[HitOut]
    facets: dict[str, dict[str, int]]


def progress(d: Document) -> Progress:
    total = d.page_count or 0
    done = total if d.status == "ready" else min(d.pages_done, total)
    return Progress(pages_done=done, page_count=total, percent=100 if d.status == "ready" else
                    (done * 100 // total if total else 0))


def document_links(document_id: str) -> dict[str, str]:
    base = f"/api/v1/documents/{document_id}"
    return {"self": base, "original": f"{base}/file?variant=original", "pdf": f"{base}/file?variant=pdf",
            "text": f"{base}/file?variant=text"}
