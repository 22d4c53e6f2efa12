"""Office boundaries: which office a record belongs to, and in which offices a user may change records.

Counters and handlers change records of their own office only. Archivists and admins work within
their configured scope: their office, or every office of its province (``User.scope``). Reading
across offices stays possible (a citizen's papers are reused wherever they apply), and the API
audits such reads with ``cross_office``.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.coding import DossierResult
from catalog.models import Component, Dossier
from catalog.users import Office, Role, User

OFFICE = "office"
PROVINCE = "province"
SCOPES = (OFFICE, PROVINCE)
WIDE_ROLES = frozenset({Role.archivist.value, Role.admin.value})
"""Roles that may be given a province scope."""


def writable_offices(session: Session, user: User) -> frozenset[str]:
    """The offices whose records the user may change."""
    if user.role in WIDE_ROLES and user.scope == PROVINCE:
        province = session.scalar(select(Office.province_code).where(Office.code == user.office_code))
        if province:
            return frozenset(session.scalars(select(Office.code).where(Office.province_code == province)))
    return frozenset({user.office_code})


def dossier_office(session: Session, code: str) -> tuple[bool, str | None]:
    """Whether the dossier exists, and its office."""
    row = session.execute(select(Dossier.office_code).where(Dossier.code == code)).first()
    return (row is not None, row[0] if row else None)


def document_office(session: Session, document_id: str) -> str | None:
    """The office a document belongs to: the one whose dossier it was scanned (or issued) for.

    A paper reused by other dossiers stays the record of the office that digitized it, so the
    earliest component that is not a reuse counts, then the dossier that issued it as a result.
    """
    office = session.scalar(select(Dossier.office_code).join(Component, Component.dossier_id == Dossier.id)
                            .where(Component.document_id == document_id, Component.reused.is_(False))
                            .order_by(Component.id).limit(1))
    if office is not None:
        return office
    return session.scalar(select(Dossier.office_code).join(DossierResult, DossierResult.dossier_id == Dossier.id)
                          .where(DossierResult.document_id == document_id).limit(1))


def filing_offices(session: Session, document_ids: list[str]) -> dict[str, set[str]]:
    """Per document, every office it is filed under (as a component or as a dossier's result)."""
    found: dict[str, set[str]] = {}
    if not document_ids:
        return found
    by_component = select(Component.document_id, Dossier.office_code) \
        .join(Dossier, Component.dossier_id == Dossier.id).where(Component.document_id.in_(document_ids))
    by_result = select(DossierResult.document_id, Dossier.office_code) \
        .join(Dossier, DossierResult.dossier_id == Dossier.id).where(DossierResult.document_id.in_(document_ids))
    for document_id, office in session.execute(by_component.union(by_result)):
        if office is not None:
            found.setdefault(document_id, set()).add(office)
    return found


def cross_office(reader_office: str | None, offices: Iterable[str | None]) -> bool:
    """Whether a read shows a record of another office than the reader's (records of no office do not count)."""
    return any(o is not None and o != reader_office for o in offices)


def documents_cross_office(session: Session, reader_office: str | None, document_ids: list[str]) -> bool:
    """Whether any of the documents shown is filed only under other offices than the reader's."""
    return any(reader_office not in offices
               for offices in filing_offices(session, list(dict.fromkeys(document_ids))).values())


def owner_cross_office(session: Session, reader_office: str | None, owner_id: int) -> bool:
    """Whether an owner's record shows dossiers of other offices."""
    return cross_office(reader_office, session.scalars(select(Dossier.office_code).where(Dossier.owner_id == owner_id)))


def may_change(offices: frozenset[str], role: str, office: str | None) -> bool:
    """The rule itself: a record of an office in scope; one of no office only for archivists and admins."""
    if office is None:
        return role in WIDE_ROLES
    return office in offices
