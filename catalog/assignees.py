"""Who a dossier may be assigned to: the active case handlers of the dossier's office.

One rule for the register's check (an ``assign`` or ``start`` naming someone else) and for the
list the dossier page offers, so that the page never offers a name the register then refuses.
A dossier of no office (imported before offices existed) may go to any active handler.
"""
from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from catalog.users import Role, User


def _handlers(office_code: str | None) -> Select:
    stmt = select(User).where(User.role == Role.handler.value, User.active.is_(True))
    if office_code is not None:
        stmt = stmt.where(User.office_code == office_code)
    return stmt


def assignable_handlers(session: Session, office_code: str | None) -> list[User]:
    """The handlers in username order (the page's select keeps that order)."""
    return list(session.scalars(_handlers(office_code).order_by(User.username)))


def is_assignable(session: Session, office_code: str | None, username: str) -> bool:
    return session.scalars(_handlers(office_code).where(User.username == username)).first() is not None
