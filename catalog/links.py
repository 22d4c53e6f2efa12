"""Which dossiers a document belongs to: as a component it was filed with, or as a result a dossier
produced. Retention (the "dossier resolved" event), legal holds on a dossier and transfer export
all ask this, for many documents at once.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from catalog.coding import DossierResult
from catalog.models import Component, Dossier


def dossiers_of(session: Session, document_ids: Collection[str]) -> dict[str, list[Dossier]]:
    """document id -> its dossiers (components and results), each dossier once, by id."""
    if not document_ids:
        return {}
    ids = list(document_ids)
    pairs = union(
        select(Component.document_id, Component.dossier_id).where(Component.document_id.in_(ids)),
        select(DossierResult.document_id, DossierResult.dossier_id).where(DossierResult.document_id.in_(ids)),
    ).subquery()
    rows = session.execute(
        select(pairs.c.document_id, Dossier).join(Dossier, Dossier.id == pairs.c.dossier_id).order_by(Dossier.id)
    ).all()
    found: dict[str, list[Dossier]] = defaultdict(list)
    for document_id, dossier in rows:
        found[document_id].append(dossier)
    return dict(found)


def documents_of_dossier(session: Session, dossier_id: int) -> list[str]:
    """Ids of the documents filed with a dossier or produced by it, oldest link first."""
    components = select(Component.document_id, Component.created_at).where(Component.dossier_id == dossier_id)
    results = select(DossierResult.document_id, DossierResult.created_at).where(DossierResult.dossier_id == dossier_id)
    rows = session.execute(union(components, results).order_by("created_at")).all()
    return list(dict.fromkeys(r[0] for r in rows))
