"""What the search index holds for a document, derived from the catalog (the source of truth)."""
from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from catalog.models import Component, Document, DocumentStatus
from search import IndexedDocument


def indexed_document(document: Document) -> IndexedDocument:
    owner = document.owner
    dossiers = [c.dossier for c in document.components]
    return IndexedDocument(
        id=document.id,
        text="\n".join(p.text for p in document.pages),
        title=document.filename,
        filename=document.filename,
        owner_ids=[c for c in (owner.personal_id, owner.social_insurance_code) if c] if owner else [],
        owner_name=owner.full_name if owner else None,
        document_type=document.document_type_code,
        procedure_codes=sorted({d.procedure_code for d in dossiers}),
        dossier_codes=sorted({d.code for d in dossiers}),
        status=document.status,
        created_at=document.created_at,
    )


def _loaded(stmt):
    return stmt.options(
        selectinload(Document.pages),
        selectinload(Document.owner),
        selectinload(Document.components).selectinload(Component.dossier),
    )


def load_indexed(session: Session, document_id: str) -> IndexedDocument:
    document = session.scalars(_loaded(select(Document).where(Document.id == document_id))).one()
    return indexed_document(document)


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
        yield [indexed_document(d) for d in rows]
        last = rows[-1].id
