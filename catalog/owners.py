"""Owners (chủ sở hữu): found by personal ID and/or social-insurance code, never duplicated."""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog.models import Owner, OwnerAlias
from catalog.reference import code_patterns
from core.errors import Invalid


def validate_owner_codes(personal_id: str | None, social_insurance_code: str | None) -> None:
    patterns = code_patterns()
    if not personal_id and not social_insurance_code:
        raise Invalid(
            "owner_required", "Cần số định danh cá nhân (12 số) hoặc mã số BHXH (10 số) của người nộp hồ sơ."
        )
    if personal_id and not patterns.valid("personal_id", personal_id):
        raise Invalid("invalid_personal_id", "Số định danh cá nhân phải gồm đúng 12 chữ số.")
    if social_insurance_code and not patterns.valid("social_insurance_code", social_insurance_code):
        raise Invalid("invalid_social_insurance_code", "Mã số BHXH phải gồm đúng 10 chữ số.")


def owner_ref(owner: Owner | None) -> str | None:
    """How the audit log names an owner: personal ID, else social-insurance code."""
    if owner is None:
        return None
    return owner.personal_id or owner.social_insurance_code


def find_owner(session: Session, code: str) -> Owner | None:
    """Exact lookup by either identifier, or by a code an owner kept from a merge."""
    found = _owners_by_codes(session, [code])
    return found[0] if found else None


def _owners_by_codes(session: Session, codes: list[str]) -> list[Owner]:
    """The owners holding any of the codes, in their own columns or as aliases from a merge."""
    by_column = select(Owner.id).where(or_(Owner.personal_id.in_(codes), Owner.social_insurance_code.in_(codes)))
    by_alias = select(OwnerAlias.owner_id).where(OwnerAlias.code.in_(codes))
    return list(session.scalars(select(Owner).where(Owner.id.in_(by_column.union(by_alias))).order_by(Owner.id)))


def get_or_create_owner(
    session: Session,
    personal_id: str | None = None,
    social_insurance_code: str | None = None,
    full_name: str | None = None,
    _retried: bool = False,
) -> Owner:
    """Return the owner known by either code, filling in the code it did not have yet."""
    validate_owner_codes(personal_id, social_insurance_code)
    matches = _owners_by_codes(session, [c for c in (personal_id, social_insurance_code) if c])
    if len(matches) > 1:
        raise Invalid(
            "owner_conflict",
            "Số định danh và mã số BHXH đang thuộc hai người khác nhau trong hệ thống. "
            "Cần cán bộ lưu trữ kiểm tra và hợp nhất.",
        )
    if matches:
        owner = matches[0]
        aliases = {a.code for a in owner.aliases}
        personal_id = None if personal_id in aliases else personal_id
        social_insurance_code = None if social_insurance_code in aliases else social_insurance_code
        if personal_id and owner.personal_id is None:
            owner.personal_id = personal_id
        if social_insurance_code and owner.social_insurance_code is None:
            owner.social_insurance_code = social_insurance_code
        if full_name and not owner.full_name:
            owner.full_name = full_name
        return owner
    owner = Owner(personal_id=personal_id, social_insurance_code=social_insurance_code, full_name=full_name)
    try:
        with session.begin_nested():
            session.add(owner)
    except IntegrityError:
        if _retried:
            raise
        # Another request created this owner at the same moment (two counters, one citizen):
        # its row is committed now, so looking again finds it.
        return get_or_create_owner(session, personal_id, social_insurance_code, full_name, _retried=True)
    return owner
