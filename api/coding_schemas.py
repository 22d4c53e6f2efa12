"""API shapes of the Circular 01/2023 coding area (document type, fields, the paper record)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from api.inputs import Input
from catalog.models import Document
from catalog.record_dates import EARLIEST_RECORD_DATE, LATEST_RECORD_DATE


class TypeOut(BaseModel):
    code: str
    name: str
    confidence: float | None


class PaperRecordOut(BaseModel):
    """The digitized-paper record the Circular's digitized-results store keeps."""

    kind: str
    digitization_code: str | None
    document_type_code: str | None
    type_status: str | None = Field(description="proposed | needs_review | confirmed")
    catalog_version_id: int | None
    national_store_code: str | None
    procedure_code: str | None
    sector: str | None
    document_number: str | None
    issue_date: date | None
    issuing_agency: str | None
    issuer_symbol: str | None
    signer: str | None
    abstract: str | None
    owner_name: str | None
    owner_code: str | None
    valid_until: date | None
    permanent: bool
    validity_scope: str | None
    certified_copy: bool
    digitized_by: str | None
    digitized_at: datetime | None
    review_status: str
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_note: str | None

    @classmethod
    def of(cls, d: Document) -> PaperRecordOut:
        return cls(**{name: getattr(d, name) for name in cls.model_fields})


def document_type_of(d: Document) -> tuple[TypeOut | None, list[TypeOut], bool]:
    """The type shown for a document (the confirmed one, else the proposal), the alternatives,
    and whether a person must look at it."""
    proposal = d.classification or {}
    alternatives = [TypeOut(**a) for a in proposal.get("alternatives", [])]
    confirmed = proposal.get("confirmed")
    if d.document_type_code is None:
        return None, alternatives, d.type_status == "needs_review"
    if confirmed and confirmed.get("code") == d.document_type_code:
        current = TypeOut(code=confirmed["code"], name=confirmed["name"], confidence=1.0)
    elif (best := proposal.get("document_type")) and best.get("code") == d.document_type_code:
        current = TypeOut(**best)
    else:
        current = TypeOut(code=d.document_type_code, name=d.document_type_code, confidence=d.type_confidence)
    return current, alternatives, d.type_status == "needs_review"


class TypeConfirm(Input):
    code: str = Field(..., max_length=32, description="Document-type code from the catalog in force")


class ReviewIn(Input):
    decision: Literal["approved", "rejected"]
    note: str | None = Field(None, max_length=2000)


class RecordUpdate(Input):
    model_config = {"extra": "forbid"}

    document_number: str | None = Field(None, max_length=64)
    issue_date: date | None = Field(None, ge=EARLIEST_RECORD_DATE, le=LATEST_RECORD_DATE)
    issuing_agency: str | None = Field(None, max_length=300)
    issuer_symbol: str | None = Field(None, max_length=16)
    signer: str | None = Field(None, max_length=200)
    abstract: str | None = Field(None, max_length=2000)
    owner_name: str | None = Field(None, max_length=200)
    valid_until: date | None = Field(None, ge=EARLIEST_RECORD_DATE, le=LATEST_RECORD_DATE)
    # Not nullable: a paper is permanent or not. Omitted fields are left as they are (exclude_unset).
    permanent: bool = False
    validity_scope: str | None = Field(None, max_length=200)
    certified_copy: bool = False
    national_store_code: str | None = Field(None, max_length=64)


class ResultOut(BaseModel):
    id: int
    result_code: str
    document_id: str
    digitization_code: str | None
    document_number: str | None
    issue_date: date | None
    valid_until: date | None
    permanent: bool
    replaces_document_id: str | None
    handed_over_at: datetime | None
    handed_over_by: str | None
    created_at: datetime
    created_by: str | None


class ImportReportOut(BaseModel):
    valid: bool
    dry_run: bool
    imported: bool
    version: str
    effective_from: date
    problems: list[dict[str, Any]]
    changes: dict[str, Any]
    summary: dict[str, Any]


class CatalogVersionOut(BaseModel):
    id: int
    label: str
    effective_from: date
    sample: bool
    in_force: bool
    title: str | None
    note: str | None
    source: str
    checksum: str
    created_at: datetime
    created_by: str | None
