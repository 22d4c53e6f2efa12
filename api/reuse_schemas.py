"""API shapes of reuse (a dossier's checklist and candidates) and of owners (codes, merges)."""
from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from api.inputs import Input
from api.schemas import ComponentOut, DossierOut, OwnerOut, ReuseFiguresOut, document_links
from catalog import reuse


class CandidateSourceOut(BaseModel):
    kind: str = Field(description="uploaded (digitized for an earlier dossier) | result (issued by one)")
    dossier_code: str | None = Field(description="None: digitized outside any dossier")
    procedure_code: str | None
    received_at: datetime | None
    result_code: str | None = Field(description="For a result: its catalog result code")


class CandidateOut(BaseModel):
    document_id: str
    filename: str
    document_type_code: str | None
    digitization_code: str | None
    document_number: str | None
    issue_date: date | None
    valid_until: date | None
    permanent: bool
    certified_copy: bool
    digitized_at: datetime | None
    source: CandidateSourceOut
    links: dict[str, str]

    @classmethod
    def of(cls, c: reuse.Candidate) -> CandidateOut:
        d, dossier = c.document, c.source.dossier
        return cls(document_id=d.id, filename=d.filename, document_type_code=d.document_type_code,
                   digitization_code=d.digitization_code, document_number=d.document_number,
                   issue_date=d.issue_date, valid_until=d.valid_until, permanent=d.permanent,
                   certified_copy=d.certified_copy, digitized_at=d.digitized_at or d.created_at,
                   source=CandidateSourceOut(kind=c.source.kind, dossier_code=dossier.code if dossier else None,
                                             procedure_code=dossier.procedure_code if dossier else None,
                                             received_at=dossier.received_at if dossier else None,
                                             result_code=c.source.result_code),
                   links=document_links(d.id))


class ChecklistItemOut(BaseModel):
    component_code: str
    name: str
    document_type_code: str
    document_type_name: str | None
    mandatory: bool
    reusable: bool = Field(description="False: the paper is handed in new for every dossier (a form, a bill)")
    attached: list[ComponentOut]
    candidates: list[CandidateOut] = Field(description="The owner's reusable papers of this type, newest first")


class ChecklistOut(BaseModel):
    dossier_code: str
    procedure_code: str
    catalog_version: str
    items: list[ChecklistItemOut]
    unlisted: list[ComponentOut] = Field(description="Attached papers not filed under a component of the procedure")
    missing_mandatory: list[str] = Field(description="Mandatory component codes with nothing attached yet")
    reuse: ReuseFiguresOut
    national_store: bool = Field(False, description="True: papers can be taken from the national data store "
                                                    "(POST .../components/national-store)")

    @classmethod
    def of(cls, checklist: reuse.Checklist, *, national_store: bool = False) -> ChecklistOut:
        items = [ChecklistItemOut(component_code=i.component["code"], name=i.component["name"],
                                  document_type_code=i.component["document_type_code"],
                                  document_type_name=i.document_type_name, mandatory=i.component["mandatory"],
                                  reusable=i.component["reusable"], attached=[ComponentOut.of(c) for c in i.attached],
                                  candidates=[CandidateOut.of(c) for c in i.candidates])
                 for i in checklist.items]
        dossier = checklist.dossier
        return cls(dossier_code=dossier.code, procedure_code=dossier.procedure_code,
                   catalog_version=checklist.catalog_label, items=items,
                   unlisted=[ComponentOut.of(c) for c in checklist.unlisted],
                   missing_mandatory=[i.component_code for i in items if i.mandatory and not i.attached],
                   reuse=ReuseFiguresOut(**reuse.figures(dossier.components).to_json()),
                   national_store=national_store)


class DossierCreatedOut(DossierOut):
    checklist: ChecklistOut = Field(description="The procedure's components, each with its reuse candidates")


class ReuseIn(Input):
    document_id: str = Field(..., max_length=32, description="A candidate from the checklist")
    component_code: str | None = Field(None, max_length=40,
                                       description="Which component it fills; may be left out when only one "
                                                   "reusable component of the procedure takes its type")


class MergeIn(Input):
    merge: str = Field(..., max_length=12, description="A code of the owner merged into this one (which then "
                                                       "no longer exists on its own)")
    reason: str = Field(..., min_length=10, max_length=2000)


class MergeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    merged_personal_id: str | None
    merged_social_insurance_code: str | None
    merged_full_name: str | None
    reason: str
    merged_by: str
    merged_at: datetime
    moved: dict[str, int]


class OwnerDossierOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    procedure_code: str
    received_at: datetime
    status: str
    office_code: str | None


class OwnerDetailOut(OwnerOut):
    aliases: list[str] = Field(description="Codes kept from merged owners: they still find this owner")
    merges: list[MergeOut]
    documents: int
    dossiers: list[OwnerDossierOut]
