"""Office boundaries: which office a record belongs to, and in which offices a user may change records.

Counters and handlers change records of their own office only. Archivists and admins work within
their configured scope: their office, or every office of its province (``User.scope``). Reading
across offices stays possible (a citizen's papers are reused wherever they apply), and the API
audits such reads with ``cross_office``.
"""
from __future__ import annotations

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


def document_offices(session: Session, document_ids: list[str]) -> set[str]:
    """Every office any of the documents is filed under (for the cross-office flag of a read)."""
    if not document_ids:
        return set()
    by_component = select(Dossier.office_code).join(Component, Component.dossier_id == Dossier.id) \
        .where(Component.document_id.in_(document_ids))
    by_result = select(Dossier.office_code).join(DossierResult, DossierResult.dossier_id == Dossier.id) \
        .where(DossierResult.document_id.in_(document_ids))
    return {o for o in session.scalars(by_component.union(by_result)) if o is not None}


def may_change(offices: frozenset[str], role: str, office: str | None) -> bool:
    """The rule itself: a record of an office in scope; one of no office only for archivists and admins."""
    if office is None:
        return role in WIDE_ROLES
    return office in offices
