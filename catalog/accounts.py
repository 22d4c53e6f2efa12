"""Administering accounts: list, change and deactivate users, issue and revoke API keys, name offices.

Every change is audited. Two guards keep the system administrable: an admin cannot lock
themselves out, and the last active admin cannot be demoted or deactivated.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.audit import Actor, record
from catalog.passwords import check_password
from catalog.scope import SCOPES
from catalog.users import (ApiKey, Office, Role, User, check_office_code, create_user, ensure_office, hash_password,
                           issue_api_key)
from core.clock import utcnow
from core.errors import Conflict, Invalid, NotFound


def get_user(session: Session, username: str, *, lock: bool = False) -> User:
    stmt = select(User).where(User.username == username)
    user = session.scalars(stmt.with_for_update() if lock else stmt).first()
    if user is None:
        raise NotFound("user_not_found", f"Không tìm thấy tài khoản '{username}'.")
    return user


def list_users(session: Session, *, office: str | None = None, role: Role | None = None,
               active: bool | None = None, offset: int = 0, limit: int = 100) -> list[User]:
    stmt = select(User).order_by(User.username).offset(offset).limit(limit)
    if office is not None:
        stmt = stmt.where(User.office_code == office)
    if role is not None:
        stmt = stmt.where(User.role == role.value)
    if active is not None:
        stmt = stmt.where(User.active == active)
    return list(session.scalars(stmt))


def add_user(session: Session, actor: Actor, username: str, password: str, role: Role, office_code: str,
             full_name: str | None, scope: str = "office") -> User:
    _check_scope(scope)
    user = create_user(session, username, password, role, office_code, full_name, scope)
    record(session, actor, "user.create", "user", username, role=role.value, office=office_code, scope=scope)
    return user


@dataclass(frozen=True)
class UserChange:
    full_name: str | None = None
    role: Role | None = None
    office_code: str | None = None
    active: bool | None = None
    password: str | None = None
    scope: str | None = None


def _check_scope(scope: str) -> None:
    if scope not in SCOPES:
        raise Invalid("invalid_scope", "Phạm vi phải là 'office' (đơn vị) hoặc 'province' (tỉnh).")


def change_user(session: Session, actor: Actor, username: str, change: UserChange) -> User:
    user = get_user(session, username, lock=True)
    changed: dict[str, object] = {}
    if change.full_name is not None and change.full_name != user.full_name:
        user.full_name = changed["full_name"] = change.full_name
    if change.office_code is not None and change.office_code != user.office_code:
        ensure_office(session, change.office_code)
        user.office_code = changed["office_code"] = change.office_code
    loses_admin = user.role == Role.admin.value and (
        (change.role is not None and change.role is not Role.admin) or change.active is False)
    if loses_admin or (change.active is False and user.active):
        if user.username == actor.username:
            raise Conflict("self_lockout", "Không thể tự khoá hoặc tự hạ quyền tài khoản của chính mình.")
        if loses_admin and _active_admins(session) <= 1:
            raise Conflict("last_admin", "Đây là quản trị viên cuối cùng đang hoạt động; "
                           "hãy tạo quản trị viên khác trước.")
    if change.role is not None and change.role.value != user.role:
        user.role = changed["role"] = change.role.value
    if change.active is not None and change.active != user.active:
        user.active = changed["active"] = change.active
    if change.scope is not None and change.scope != user.scope:
        _check_scope(change.scope)
        user.scope = changed["scope"] = change.scope
    if change.password is not None:
        check_password(change.password, user.username)
        user.password_hash = hash_password(change.password)
        changed["password"] = "reset"
    if changed.keys() - {"full_name"}:
        user.token_version += 1  # tokens issued before a change of rights or password stop working
    if changed:
        record(session, actor, "user.change", "user", username, **changed)
    return user


def lock_account(session: Session, username: str, until: datetime, failures: int, remote: str | None) -> bool:
    """Lock an account after repeated wrong passwords (False: no such account)."""
    user = session.scalars(select(User).where(User.username == username).with_for_update()).first()
    if user is None:
        return False
    user.locked_until = until
    record(session, Actor(username, user.role, user.office_code, remote), "auth.lockout", "user", username,
           failures=failures, until=until)
    return True


def lift_lockout(session: Session, actor: Actor, username: str) -> User:
    user = get_user(session, username, lock=True)
    if user.locked_until is not None:
        record(session, actor, "auth.lockout_lifted", "user", username, was_until=user.locked_until)
        user.locked_until = None
    return user


def _active_admins(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)
                          .where(User.role == Role.admin.value, User.active.is_(True)))


def list_keys(session: Session, username: str) -> list[ApiKey]:
    user = get_user(session, username)
    return list(session.scalars(select(ApiKey).where(ApiKey.user_id == user.id).order_by(ApiKey.id)))


def new_key(session: Session, actor: Actor, username: str, name: str,
            expires_at: datetime | None = None) -> tuple[str, ApiKey]:
    """Issue a key (valid until ``expires_at`` if given); the full key is returned once and never stored."""
    user = get_user(session, username)
    if expires_at is not None and expires_at <= utcnow():
        raise Invalid("invalid_expiry", "Thời hạn của khoá API phải ở tương lai.")
    key = issue_api_key(session, user, name, expires_at)
    row = session.scalars(select(ApiKey).where(ApiKey.prefix == key.split("_")[1])).one()
    record(session, actor, "api_key.issue", "api_key", row.prefix, user=username, name=name, expires_at=expires_at)
    return key, row


def revoke_key(session: Session, actor: Actor, prefix: str) -> ApiKey:
    row = session.scalars(select(ApiKey).where(ApiKey.prefix == prefix).with_for_update()).first()
    if row is None:
        raise NotFound("api_key_not_found", f"Không tìm thấy khoá API '{prefix}'.")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        record(session, actor, "api_key.revoke", "api_key", prefix, user=row.user.username, name=row.name)
    return row


def list_offices(session: Session) -> list[Office]:
    return list(session.scalars(select(Office).order_by(Office.code)))


def set_office(session: Session, actor: Actor, code: str, name: str, province_code: str | None = None) -> Office:
    office = ensure_office(session, code, name)
    if office.name != name:
        office.name = name
    if province_code is not None:
        office.province_code = check_office_code(province_code)
    record(session, actor, "office.set", "office", code, name=name, province_code=province_code)
    return office
