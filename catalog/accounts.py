"""Administering accounts: list, change and deactivate users, issue and revoke API keys, name offices.

Every change is audited. Two guards keep the system administrable: an admin cannot lock
themselves out, and the last active admin cannot be demoted or deactivated.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.audit import Actor, record
from catalog.users import ApiKey, Office, Role, User, create_user, ensure_office, hash_password, issue_api_key
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
             full_name: str | None) -> User:
    user = create_user(session, username, password, role, office_code, full_name)
    record(session, actor, "user.create", "user", username, role=role.value, office=office_code)
    return user


@dataclass(frozen=True)
class UserChange:
    full_name: str | None = None
    role: Role | None = None
    office_code: str | None = None
    active: bool | None = None
    password: str | None = None


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
    if change.password is not None:
        if len(change.password) < 10:
            raise Invalid("weak_password", "Mật khẩu phải có ít nhất 10 ký tự.")
        user.password_hash = hash_password(change.password)
        changed["password"] = "reset"
    if changed:
        record(session, actor, "user.change", "user", username, **changed)
    return user


def _active_admins(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)
                          .where(User.role == Role.admin.value, User.active.is_(True)))


def list_keys(session: Session, username: str) -> list[ApiKey]:
    user = get_user(session, username)
    return list(session.scalars(select(ApiKey).where(ApiKey.user_id == user.id).order_by(ApiKey.id)))


def new_key(session: Session, actor: Actor, username: str, name: str) -> tuple[str, ApiKey]:
    """Issue a key; the full key is returned once and never stored."""
    user = get_user(session, username)
    key = issue_api_key(session, user, name)
    row = session.scalars(select(ApiKey).where(ApiKey.prefix == key.split("_")[1])).one()
    record(session, actor, "api_key.issue", "api_key", row.prefix, user=username, name=name)
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


def set_office(session: Session, actor: Actor, code: str, name: str) -> Office:
    office = ensure_office(session, code, name)
    if office.name != name:
        office.name = name
    record(session, actor, "office.set", "office", code, name=name)
    return office
