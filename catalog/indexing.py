"""What the search index holds for a document, derived from the catalog (the source of truth)."""
from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from catalog.home_office import home_offices
from catalog.links import dossiers_of
from catalog.models import Document, DocumentStatus, Dossier, Owner
from search import IndexedDocument, SearchIndex


def indexed_document(document: Document, dossiers: Sequence[Dossier], office: str | None) -> IndexedDocument:
    """The index entry of a document; ``dossiers``: those it was filed with or produced by;
    ``office``: the one it belongs to (catalog/home_office.py)."""
    owner = document.owner
    return IndexedDocument(
        id=document.id,
        text="\n".join(p.text for p in document.pages),
        title=title(document),
        filename=document.filename,
        owner_ids=_owner_codes(owner),
        owner_name=owner.full_name if owner else None,
        document_type=document.document_type_code,
        procedure_codes=sorted({d.procedure_code for d in dossiers}),
        dossier_codes=sorted({d.code for d in dossiers}),
        status=document.status,
        created_at=document.created_at,
        office=office,
    )


def title(document: Document) -> str:
    """What a hit is called: type name, number and digitization code before the file name, so a
    handler can also find a paper by them."""
    proposal = document.classification or {}
    named = proposal.get("confirmed") or proposal.get("document_type") or {}
    parts = [named.get("name") if document.document_type_code and named.get("code") == document.document_type_code
             else None, document.document_number, document.digitization_code, document.filename]
    return " · ".join(p for p in parts if p)


def _owner_codes(owner: Owner | None) -> list[str]:
    """Exact owner codes the index filters on, with the ones kept from merges (catalog/merge.py)."""
    if owner is None:
        return []
    return [c for c in (owner.personal_id, owner.social_insurance_code, *(a.code for a in owner.aliases)) if c]


def _loaded(stmt):
    return stmt.options(
        selectinload(Document.pages),
        selectinload(Document.owner).selectinload(Owner.aliases),
    )


def _entries(session: Session, documents: Sequence[Document]) -> list[IndexedDocument]:
    ids = [d.id for d in documents]
    dossiers, offices = dossiers_of(session, ids), home_offices(session, ids)
    return [indexed_document(d, dossiers.get(d.id, []), offices[d.id]) for d in documents]


def load_indexed(session: Session, document_id: str) -> IndexedDocument:
    document = session.scalars(_loaded(select(Document).where(Document.id == document_id))).one()
    return _entries(session, [document])[0]


def refresh(db, index: SearchIndex, document_ids: Collection[str]) -> None:
    """Bring the index entries of these documents up to date after a catalog change (a paper filed
    with one more dossier, an owner merged); documents not ready are not in the index."""
    if not document_ids:
        return
    with db.session() as s:
        rows = list(s.scalars(_loaded(select(Document)).where(
            Document.id.in_(list(document_ids)), Document.status == DocumentStatus.ready.value)))
        entries = _entries(s, rows)
    if entries:
        index.upsert(entries)


def iter_ready(session: Session, batch: int = 500) -> Iterator[list[IndexedDocument]]:
    """All ready documents in batches, for `sohoa reindex`."""
    last = ""
    while True:
        rows = list(session.scalars(
            _loaded(select(Document))
            .where(Document.status == DocumentStatus.ready.value, Document.id > last)
            .order_by(Document.id)
            .limit(batch)
        ))
        if not rows:
            return
        yield _entries(session, rows)
        last = rows[-1].id
