"""Office boundaries at the HTTP edge: the one place routes get them from.

A route that changes a dossier or a document names it in its role check:
``require(Role.counter, writes=DOSSIER)`` (the path parameter ``code``) or ``writes=DOCUMENT``
(``document_id``); the check runs after the role check and refuses records of offices outside the
caller's scope with 403 ``other_office``. Routes that name records in their body call
``ensure_document_write``. Reads are not refused across offices; they pass ``cross_office(...)``
to their audit entry.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import scope
from catalog.audit import Actor
from catalog.users import Office, check_office_code
from core.errors import Forbidden, Invalid, NotFound

DOSSIER = "dossier"
DOCUMENT = "document"
PATH_PARAMETER = {DOSSIER: "code", DOCUMENT: "document_id"}
"""Which path parameter names the record a route changes."""


def other_office() -> Forbidden:
    return Forbidden("other_office", "Hồ sơ, tài liệu này thuộc đơn vị khác: bạn chỉ được thay đổi hồ sơ "
                                     "trong phạm vi đơn vị của mình.")


def writable(actor: Actor) -> frozenset[str]:
    return actor.offices or frozenset({actor.office_code} - {None})


def may_write(actor: Actor, office: str | None) -> bool:
    """Whether the caller may change records of ``office`` (what a page offers to do)."""
    return scope.may_change(writable(actor), actor.role, office)


def ensure_office_write(actor: Actor, office: str | None) -> None:
    if not may_write(actor, office):
        raise other_office()


def ensure_dossier_write(session: Session, actor: Actor, code: str) -> None:
    exists, office = scope.dossier_office(session, code)
    if not exists:
        raise NotFound("dossier_not_found", f"Không tìm thấy hồ sơ '{code}'.")
    ensure_office_write(actor, office)


def ensure_document_write(session: Session, actor: Actor, document_id: str) -> None:
    """A document is changed by its home office (catalog.scope.document_office); an unknown id is
    left to the route, which answers 404 as before."""
    ensure_office_write(actor, scope.document_office(session, document_id))


def ensure_write(session: Session, actor: Actor, target: str, path_params: Mapping[str, str]) -> None:
    value = path_params[PATH_PARAMETER[target]]
    if target == DOSSIER:
        ensure_dossier_write(session, actor, value)
    else:
        ensure_document_write(session, actor, value)


def cross_office(actor: Actor, offices: Iterable[str | None]) -> bool:
    """Whether a read shows a record of another office than the reader's: the ``cross_office``
    flag of its audit entry."""
    return scope.cross_office(actor.office_code, offices)


def documents_cross_office(session: Session, actor: Actor, document_ids: list[str]) -> bool:
    """For reads showing documents (one, search hits, a checklist): any filed only elsewhere."""
    return scope.documents_cross_office(session, actor.office_code, document_ids)


def owner_cross_office(session: Session, actor: Actor, owner_id: int) -> bool:
    return scope.owner_cross_office(session, actor.office_code, owner_id)


def searched_offices(session: Session, codes: Iterable[str]) -> tuple[str, ...]:
    """The offices a search is narrowed to: any existing office, since reads across offices are
    allowed (the search's audit entry carries ``cross_office``); an unknown code is refused."""
    wanted = tuple(dict.fromkeys(code.strip() for code in codes))
    for code in wanted:
        check_office_code(code)
    known = set(session.scalars(select(Office.code).where(Office.code.in_(wanted)))) if wanted else set()
    if unknown := [code for code in wanted if code not in known]:
        raise Invalid("unknown_office", f"Không có đơn vị mã '{unknown[0]}'.")
    return wanted
def report_offices(actor: Actor, office: str | None) -> frozenset[str]:
    """The offices a report counts: the one asked for, or every office of the caller's scope (their
    own, or their province's). Figures of an office outside the scope are refused, not emptied."""
    offices = writable(actor)
    if office is None:
        return offices
    if office not in offices:
        raise Forbidden("other_office", f"Đơn vị '{office}' nằm ngoài phạm vi của bạn: chỉ xem được báo cáo "
                                        "của đơn vị mình (hoặc các đơn vị trong tỉnh nếu được phân phạm vi tỉnh).")
    return frozenset({office})
