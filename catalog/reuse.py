"""Reuse (tái sử dụng): a new dossier takes the papers already digitized for the same citizen.

One rule decides what may be reused (:func:`reusable_rule`): a paper of the dossier's owner that
is ready, approved, still valid (permanent, no end date, or an end date not yet passed), not
superseded by a later result, not disposed of and not on its way to disposal, and whose signed
copy (if it has one) was not found broken or untrusted when last verified. A result an earlier
dossier produced counts like an uploaded paper: the catalog gives every result code the document
type it *is* (a pension decision is a KQ01 paper, a re-issued insurance book a BH02 one), so it
is offered wherever a procedure asks for that type, and the result that replaced it is offered
instead of it.

Opening a dossier answers with its procedure's checklist (:func:`checklist`): per catalog
component, what is attached and the candidates, newest first, each with where it came from.
Attaching a candidate (:func:`attach`) adds a component pointing at the same document — no
upload, no copy of any stored object — that records it was reused and from which dossier.
:func:`figures` and :func:`totals` count reused against newly digitized components, per dossier
and for the reports.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, distinct, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog.audit import Actor, record
from catalog.catalogs import Catalog, active_catalog, today_local
from catalog.coding import DossierResult
from catalog.digitization import APPROVED
from catalog.models import Component, Document, DocumentStatus, Dossier
from catalog.owners import owner_ref
from catalog.records_models import OPEN_STATES, DisposalBatch, DisposalItem, ItemState
from catalog.signatures import REASONS as SIGNATURE_REASONS
from catalog.signatures import signature_blocks_reuse, signature_of
from core.errors import Conflict, Invalid, NotFound

UPLOADED, RESULT = "uploaded", "result"

REFUSALS: dict[str, str] = {
    "disposed": "Giấy tờ đã bị tiêu huỷ theo thời hạn lưu trữ.",
    "not_a_paper": "Đây là tệp quét cả hồ sơ, không phải một giấy tờ.",
    "not_ready": "Giấy tờ chưa số hoá xong.",
    "not_approved": "Giấy tờ chưa được duyệt, chưa được tái sử dụng.",
    "superseded": "Giấy tờ đã được thay thế bằng kết quả giải quyết mới hơn.",
    "expired": "Giấy tờ đã hết hiệu lực.",
    "disposal_pending": "Giấy tờ đang nằm trong đợt tiêu huỷ.",
    "signature": "Chữ ký số của bản số hoá không hợp lệ hoặc không được tin cậy.",
}
"""Why a paper is not reusable, in the order the rule checks; the first that applies is shown."""


def reusable_rule(on: date) -> dict[str, ColumnElement[bool]]:
    """The reuse rule as named conditions on ``Document``; a paper is reusable when all hold."""
    superseded = exists().where(DossierResult.replaces_document_id == Document.id)
    disposing = exists().where(DisposalItem.document_id == Document.id, DisposalBatch.id == DisposalItem.batch_id,
                               DisposalBatch.state.in_(OPEN_STATES), DisposalItem.state == ItemState.pending.value)
    return {
        "disposed": Document.status != DocumentStatus.disposed.value,
        "not_a_paper": Document.kind != "batch",
        "not_ready": Document.status == DocumentStatus.ready.value,
        "not_approved": Document.review_status == APPROVED,
        "superseded": ~superseded,
        "expired": or_(Document.permanent.is_(True), Document.valid_until.is_(None), Document.valid_until >= on),
        "disposal_pending": ~disposing,
        "signature": ~signature_blocks_reuse(Document.id),  # as last verified (records/signatures.py)
    }


def reusable_documents(session: Session, owner_id: int, *, type_codes: Iterable[str] | None = None,
                       on: date | None = None) -> list[Document]:
    """An owner's reusable papers (of the given types), newest paper first."""
    stmt = select(Document).where(Document.owner_id == owner_id, *reusable_rule(on or today_local()).values())
    if type_codes is not None:
        stmt = stmt.where(Document.document_type_code.in_(list(type_codes)))
    return sorted(session.scalars(stmt), key=_newest_first)


def _newest_first(document: Document) -> tuple:
    """The paper's own date when known (issue date), else when it was digitized; newest first."""
    day = document.issue_date or document.created_at.date()
    return (-day.toordinal(), -document.created_at.timestamp(), document.id)


def refusal(session: Session, document_id: str, on: date | None = None) -> str | None:
    """Why this paper may not be reused (a key of :data:`REFUSALS`), or None when it may."""
    rule = reusable_rule(on or today_local())
    row = session.execute(select(*(c.label(name) for name, c in rule.items())).where(Document.id == document_id)).one()
    return next((name for name in rule if not row._mapping[name]), None)


# ---------------------------------------------------------------- where a paper came from

@dataclass(frozen=True)
class Source:
    kind: str  # uploaded | result
    dossier: Dossier | None  # None: digitized outside any dossier (e.g. `sohoa ingest`)
    result_code: str | None = None


def sources_of(session: Session, document_ids: Sequence[str]) -> dict[str, Source]:
    """Per document: the dossier that produced it as a result, else the first it was digitized for."""
    ids = list(document_ids)
    if not ids:
        return {}
    found: dict[str, Source] = {}
    for document_id, result_code, dossier in session.execute(
            select(DossierResult.document_id, DossierResult.result_code, Dossier)
            .join(Dossier, Dossier.id == DossierResult.dossier_id).where(DossierResult.document_id.in_(ids))):
        found[document_id] = Source(RESULT, dossier, result_code)
    for document_id, dossier in session.execute(
            select(Component.document_id, Dossier).join(Dossier, Dossier.id == Component.dossier_id)
            .where(Component.document_id.in_(ids), Component.reused.is_(False)).order_by(Component.id)):
        found.setdefault(document_id, Source(UPLOADED, dossier))
    return {i: found.get(i, Source(UPLOADED, None)) for i in ids}


# ---------------------------------------------------------------- the checklist

@dataclass(frozen=True)
class Candidate:
    document: Document
    source: Source


@dataclass
class ChecklistItem:
    component: Mapping[str, Any]  # the catalog row: code, name, document_type_code, mandatory, reusable
    document_type_name: str | None
    attached: list[Component] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)


@dataclass
class Checklist:
    dossier: Dossier
    catalog_label: str
    items: list[ChecklistItem]
    unlisted: list[Component]  # attached without a component code of the procedure

    def shown_documents(self) -> list[str]:
        return [c.document.id for item in self.items for c in item.candidates]


def checklist(session: Session, dossier: Dossier, on: date | None = None) -> Checklist:
    """The procedure's components with what is attached and, for each reusable one not yet
    filled, the owner's papers of that type that may be reused."""
    catalog = active_catalog(session)
    rows = sorted(catalog.components_of(dossier.procedure_code), key=lambda r: r["code"])
    attached = [c for c in dossier.components if c.document.kind != "batch"]
    attached_ids = {c.document_id for c in dossier.components}
    wanted = {r["document_type_code"] for r in rows if r["reusable"]}
    pool = [d for d in reusable_documents(session, dossier.owner_id, type_codes=wanted, on=on)
            if d.id not in attached_ids]
    sources = sources_of(session, [d.id for d in pool])
    items = []
    for row in rows:
        item = ChecklistItem(row, (catalog.document_types.get(row["document_type_code"]) or {}).get("name"),
                             attached=[c for c in attached if c.component_code == row["code"]])
        if row["reusable"]:
            item.candidates = [Candidate(d, sources[d.id]) for d in pool
                               if d.document_type_code == row["document_type_code"]]
        items.append(item)
    codes = {r["code"] for r in rows}
    return Checklist(dossier, catalog.label, items, [c for c in attached if c.component_code not in codes])


# ---------------------------------------------------------------- attaching a candidate

def attach(session: Session, dossier: Dossier, document_id: str, component_code: str | None,
           actor: Actor, on: date | None = None) -> Component:
    """File an earlier paper of the owner as a component of this dossier: the component points at
    the same document (nothing is uploaded or copied) and records that it was reused, from where.
    Attaching a paper the dossier already holds returns its component."""
    document = session.get(Document, document_id, with_for_update=True)  # serialised with review
    if document is None or document.owner_id != dossier.owner_id or document.status == DocumentStatus.receiving.value:
        # Another owner's paper is answered like a missing one: its existence is not for this counter.
        raise NotFound("document_not_found", f"Chủ hồ sơ không có giấy tờ '{document_id}'.")
    existing = _component(session, dossier.id, document.id)
    if existing is not None:
        return existing
    row = _component_row(active_catalog(session), dossier, document, component_code)
    if (why := refusal(session, document.id, on)) is not None:
        raise Conflict(f"not_reusable_{why}", REFUSALS[why] + _signature_detail(session, document.id, why))
    source = sources_of(session, [document.id])[document.id]
    component = Component(dossier_id=dossier.id, document_id=document.id, component_code=row["code"], reused=True,
                          source_dossier_id=source.dossier.id if source.dossier else None, source_kind=source.kind)
    try:
        with session.begin_nested():
            session.add(component)
    except IntegrityError:  # the same paper attached by a parallel request a moment ago
        return _component(session, dossier.id, document.id)
    record(session, actor, "component.reuse", "dossier", dossier.code, owner_ref(dossier.owner),
           document_id=document.id, component_code=row["code"], source_kind=source.kind,
           source_dossier=source.dossier.code if source.dossier else None, result_code=source.result_code)
    return component


def owned_by(session: Session, document_id: str, owner_id: int) -> bool:
    return session.scalar(select(Document.owner_id).where(Document.id == document_id)) == owner_id


def _signature_detail(session: Session, document_id: str, why: str) -> str:
    signature = signature_of(session, document_id) if why == "signature" else None
    return f" {SIGNATURE_REASONS[signature.reason]}" if signature is not None and signature.reason else ""


def _component(session: Session, dossier_id: int, document_id: str) -> Component | None:
    return session.scalars(select(Component).where(Component.dossier_id == dossier_id,
                                                   Component.document_id == document_id)).first()


def _component_row(catalog: Catalog, dossier: Dossier, document: Document,
                   component_code: str | None) -> Mapping[str, Any]:
    """The catalog component the paper is filed as: the one named, or the only one of its type."""
    rows = catalog.components_of(dossier.procedure_code)
    if component_code is None:
        fitting = [r for r in rows if r["reusable"] and r["document_type_code"] == document.document_type_code]
        if len(fitting) != 1:
            raise Invalid("component_code_required",
                              "Cần chọn thành phần hồ sơ mà giấy tờ này được dùng cho.")
        return fitting[0]
    row = next((r for r in rows if r["code"] == component_code), None)
    if row is None:
        raise Invalid("unknown_component",
                          f"Thủ tục {dossier.procedure_code} không có thành phần hồ sơ '{component_code}'.")
    if not row["reusable"]:
        raise Conflict("component_not_reusable",
                       f"Thành phần '{row['name']}' phải nộp mới cho mỗi hồ sơ, không dùng lại giấy tờ cũ.")
    if row["document_type_code"] != document.document_type_code:
        raise Conflict("document_type_mismatch",
                       f"Thành phần này cần giấy tờ loại {row['document_type_code']}, "
                       f"giấy tờ đã chọn là loại {document.document_type_code or 'chưa xác định'}.")
    return row


def mark_same_bytes(session: Session, dossier_id: int, component: Component) -> None:
    """An upload whose bytes an earlier dossier of the owner already digitized lands on that
    document: file it as reused from there (nothing new was digitized)."""
    source = sources_of(session, [component.document_id])[component.document_id]
    if source.dossier is not None and source.dossier.id != dossier_id:
        component.reused, component.source_dossier_id, component.source_kind = True, source.dossier.id, source.kind


# ---------------------------------------------------------------- figures

@dataclass(frozen=True)
class ReuseFigures:
    components: int
    reused: int

    @property
    def digitized(self) -> int:
        """Components digitized for this dossier (scanned now, not taken from an earlier one)."""
        return self.components - self.reused

    @property
    def share(self) -> float:
        """Share of components reused, 0..1 (0 for a dossier without components)."""
        return round(self.reused / self.components, 4) if self.components else 0.0

    def to_json(self) -> dict[str, Any]:
        return {"components": self.components, "reused": self.reused, "digitized": self.digitized,
                "share": self.share}


def figures(components: Iterable[Component]) -> ReuseFigures:
    """Reused against newly digitized among a dossier's components (whole-dossier scans that were
    split into papers are not papers themselves)."""
    papers = [c for c in components if c.document.kind != "batch"]
    return ReuseFigures(len(papers), sum(1 for c in papers if c.reused))


@dataclass(frozen=True)
class ReuseTotals(ReuseFigures):
    dossiers: int = 0
    dossiers_reusing: int = 0

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "dossiers": self.dossiers, "dossiers_reusing": self.dossiers_reusing}


def totals(session: Session, *, office_code: str | None = None, offices: Collection[str] | None = None,
           received_from: datetime | None = None, received_before: datetime | None = None) -> ReuseTotals:
    """The figures over the dossiers received in a period (and office, or any of ``offices``): what
    the quarterly report shows as the share of components reused."""
    where = []
    if office_code is not None:
        where.append(Dossier.office_code == office_code)
    if offices is not None:
        where.append(Dossier.office_code.in_(sorted(offices)))
    if received_from is not None:
        where.append(Dossier.received_at >= received_from)
    if received_before is not None:
        where.append(Dossier.received_at < received_before)
    reused = Component.reused.is_(True)
    components, reused_count, reusing = session.execute(
        select(func.count(Component.id), func.coalesce(func.sum(case((reused, 1), else_=0)), 0),
               func.count(distinct(case((reused, Component.dossier_id)))))
        .join(Dossier, Dossier.id == Component.dossier_id).join(Document, Document.id == Component.document_id)
        .where(and_(Document.kind != "batch", *where))).one()
    dossiers = session.scalar(select(func.count(Dossier.id)).where(*where))
    return ReuseTotals(components, int(reused_count), dossiers=dossiers, dossiers_reusing=reusing)
