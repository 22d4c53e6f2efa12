"""Users, roles, offices and API keys: who may touch personal records."""
from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import Boolean, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from catalog.base import Base, UTCDateTime
from core.clock import utcnow
from catalog.passwords import check_password
from core.errors import Invalid

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
API_KEY_PREFIX = "sohoa"


class Role(str, enum.Enum):
    counter = "counter"        # Bộ phận Một cửa: opens dossiers, uploads scans
    handler = "handler"        # cán bộ xử lý: searches, reads, attaches results
    archivist = "archivist"    # lưu trữ: catalogs, retention, holds, disposal, audit
    admin = "admin"            # quản trị: users, approvals; may do everything


class Office(Base):
    __tablename__ = "office"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    province_code: Mapped[str | None] = mapped_column(String(32))
    """Offices of one province share it; archivists and admins with a province scope work in all of them."""


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    office_code: Mapped[str] = mapped_column(ForeignKey("office.code"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    scope: Mapped[str] = mapped_column(String(16), default="office", server_default="office")
    """Where an archivist or admin may change records: ``office`` (their own) or ``province``."""
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Carried in every token: a password, role, office or activity change bumps it and old tokens stop working."""
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """Sign-in refused until then after repeated wrong passwords; an admin may lift it earlier."""

    office: Mapped[Office] = relationship()


class ApiKey(Base):
    """A machine client's key. Only a SHA-256 of the secret part is kept: keys are random
    and long, so a slow password hash buys nothing and would slow every request."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


OFFICE_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")


def check_office_code(code: str) -> str:
    """Office (and province) codes are short identifiers: letters, digits, '.', '_' or '-'."""
    if not OFFICE_CODE.fullmatch(code):
        raise Invalid("invalid_office_code", "Mã đơn vị chỉ gồm chữ, số, '.', '_' hoặc '-' (tối đa 32 ký tự).")
    return code


def ensure_office(session: Session, code: str, name: str | None = None) -> Office:
    check_office_code(code)
    office = session.get(Office, code)
    if office is None:
        office = Office(code=code, name=name or code)
        session.add(office)
        session.flush()
    return office


def create_user(session: Session, username: str, password: str, role: Role, office_code: str,
                full_name: str | None = None, scope: str = "office") -> User:
    check_password(password, username)
    if session.scalars(select(User).where(User.username == username)).first() is not None:
        raise Invalid("user_exists", f"Tên đăng nhập '{username}' đã tồn tại.")
    ensure_office(session, office_code)
    user = User(username=username, full_name=full_name, password_hash=hash_password(password), role=role.value,
                office_code=office_code, scope=scope)
    session.add(user)
    session.flush()
    return user


@dataclass(frozen=True)
class Credentials:
    """What signing in needs of an account, read in a short transaction so that no catalog lock is
    held while the password hash is computed."""

    user_id: int
    password_hash: str
    active: bool
    locked_until: datetime | None


def credentials(session: Session, username: str) -> Credentials | None:
    row = session.execute(select(User.id, User.password_hash, User.active, User.locked_until)
                          .where(User.username == username)).first()
    return Credentials(*row) if row is not None else None


def password_matches(stored_hash: str | None, password: str) -> bool:
    """Verify a password; with no stored hash (unknown or inactive account) the same cost is spent."""
    if stored_hash is None:
        _hasher.hash(password)
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def refresh_hash(user: User, password: str) -> None:
    """Re-hash a verified password when the hashing parameters changed since it was stored."""
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None or not user.active:
        _hasher.hash(password)  # same cost whether or not the user exists
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def issue_api_key(session: Session, user: User, name: str, expires_at: datetime | None = None) -> str:
    """Create a key and return it in full; it is never shown again."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    session.add(ApiKey(user_id=user.id, prefix=prefix, secret_hash=_sha(secret), name=name, expires_at=expires_at))
    session.flush()
    return f"{API_KEY_PREFIX}_{prefix}_{secret}"


def user_for_api_key(session: Session, key: str) -> User | None:
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX:
        return None
    row = session.scalars(select(ApiKey).where(ApiKey.prefix == parts[1])).first()
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.secret_hash, _sha(parts[2])):
        return None
    if row.expires_at is not None and row.expires_at <= utcnow():
        return None
    return row.user if row.user.active else None


def _sha(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
