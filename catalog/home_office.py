"""The office a document is searched under: the ``office`` of its index entry.

A paper belongs to the office whose dossier it was scanned for (the earliest component that is not a
reuse, as catalog/scope.py's ``document_office`` decides for writes), else to the dossier that
issued it as a result, else (a paper uploaded outside any dossier) to the office of the person who
digitized it. Reindexing asks this for hundreds of documents at once, so it is answered in three
queries per batch, none of them over the audit log.
"""
from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from catalog.coding import DossierResult
from catalog.models import Component, Document, Dossier
from catalog.users import User


def home_offices(session: Session, document_ids: Collection[str]) -> dict[str, str | None]:
    """document id -> its office (None: no dossier and no known digitizer)."""
    ids = list(dict.fromkeys(document_ids))
    found: dict[str, str | None] = {}
    if not ids:
        return found
    scanned = session.execute(
        select(Component.document_id, Dossier.office_code).join(Dossier, Component.dossier_id == Dossier.id)
        .where(Component.document_id.in_(ids), Component.reused.is_(False)).order_by(Component.id.desc()))
    found.update((document_id, office) for document_id, office in scanned)  # descending: the earliest stays
    by_result = select(DossierResult.document_id, Dossier.office_code) \
        .join(Dossier, DossierResult.dossier_id == Dossier.id).order_by(DossierResult.id)
    _fill(session, found, ids, by_result, DossierResult.document_id)
    by_digitizer = select(Document.id, User.office_code).join(User, User.username == Document.digitized_by)
    _fill(session, found, ids, by_digitizer, Document.id)
    return {i: found.get(i) for i in ids}


def _fill(session: Session, found: dict[str, str | None], ids: list[str], stmt: Select, column) -> None:
    """Give the documents still without an office the first office ``stmt`` finds for them."""
    missing = [i for i in ids if found.get(i) is None]
    if not missing:
        return
    for document_id, office in session.execute(stmt.where(column.in_(missing))):
        if found.get(document_id) is None:
            found[document_id] = office
