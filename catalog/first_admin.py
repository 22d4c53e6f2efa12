"""First start: while no administrator exists, a one-time setup link lets the first one choose a password.

The link's secret is kept only as a SHA-256 in ``data_dir/first-admin.json`` (mode 0600) with its
expiry, so every process of the service (several uvicorn workers) can check it, and using it once
deletes it. The API refuses the link from anywhere but the machine itself.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.users import Role, User, create_user
from core.clock import utcnow
from core.errors import Conflict, Gone, Invalid

SETUP_FILE = "first-admin.json"
LIFETIME = timedelta(hours=2)


def admin_exists(session: Session) -> bool:
    return session.scalars(select(User.id).where(User.role == Role.admin.value).limit(1)).first() is not None


def issue_setup_token(session: Session, data_dir: Path, lifetime: timedelta = LIFETIME) -> str | None:
    """A fresh one-time secret (replacing any earlier one), or None when an administrator exists."""
    if admin_exists(session):
        _path(data_dir).unlink(missing_ok=True)
        return None
    token = secrets.token_urlsafe(32)
    data_dir.mkdir(parents=True, exist_ok=True)
    path = _path(data_dir)
    fd = os.open(path.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({"sha256": _sha(token), "expires_at": (utcnow() + lifetime).isoformat()}, f)
    os.replace(path.with_suffix(".tmp"), path)
    return token


def setup_pending(data_dir: Path) -> bool:
    """Whether an unexpired setup link is waiting to be used."""
    stored = _stored(data_dir)
    return stored is not None and datetime.fromisoformat(stored["expires_at"]) > utcnow()


def redeem(session: Session, data_dir: Path, token: str, username: str, password: str, office_code: str,
           full_name: str | None = None) -> User:
    """Create the first administrator with the link's secret; the link is spent once this returns."""
    stored = _stored(data_dir)
    if stored is None or not hmac.compare_digest(stored["sha256"], _sha(token)):
        raise Invalid("invalid_setup_link", "Liên kết khởi tạo không đúng hoặc đã được dùng.")
    if datetime.fromisoformat(stored["expires_at"]) <= utcnow():
        raise Gone("setup_link_expired",
                   "Liên kết khởi tạo đã hết hạn. Khởi động lại dịch vụ để nhận liên kết mới.")
    if admin_exists(session):
        raise Conflict("admin_exists", "Đã có quản trị viên. Vui lòng đăng nhập.")
    user = create_user(session, username, password, Role.admin, office_code, full_name)
    _path(data_dir).unlink(missing_ok=True)
    return user


def _path(data_dir: Path) -> Path:
    return data_dir / SETUP_FILE


def _stored(data_dir: Path) -> dict | None:
    try:
        return json.loads(_path(data_dir).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
