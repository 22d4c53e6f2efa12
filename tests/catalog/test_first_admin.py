"""The first administrator's one-time setup secret: stored hashed, spent once, expiring, refused once
an administrator exists."""
from __future__ import annotations

import stat
from datetime import timedelta

import pytest

from catalog import first_admin
from catalog.db import Database
from catalog.users import Role, User, authenticate, create_user
from core.errors import Conflict, Gone, Invalid


@pytest.fixture
def db(settings):
    database = Database(settings.resolved_database_url())
    database.migrate()
    yield database
    database.dispose()


def test_the_secret_makes_one_administrator_and_is_spent(db, settings):
    with db.session() as s:
        secret = first_admin.issue_setup_token(s, settings.data_dir)
    stored = (settings.data_dir / first_admin.SETUP_FILE)
    assert secret and secret not in stored.read_text()  # only its hash is on disk
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert first_admin.setup_pending(settings.data_dir)
    with db.session() as s, pytest.raises(Invalid):
        first_admin.redeem(s, settings.data_dir, secret + "x", "admin", "mat-khau-du-dai", "PT01")
    with db.session() as s:
        user = first_admin.redeem(s, settings.data_dir, secret, "admin", "mat-khau-du-dai", "PT01", "Trần Văn Quản")
        assert user.role == Role.admin.value
    with db.session() as s:
        assert authenticate(s, "admin", "mat-khau-du-dai") is not None
    assert not stored.exists() and not first_admin.setup_pending(settings.data_dir)
    with db.session() as s, pytest.raises(Invalid, match="đã được dùng"):
        first_admin.redeem(s, settings.data_dir, secret, "admin2", "mat-khau-du-dai", "PT01")
    with db.session() as s:
        assert first_admin.issue_setup_token(s, settings.data_dir) is None  # an administrator exists


def test_an_expired_secret_or_a_weak_password_creates_nobody(db, settings):
    with db.session() as s:
        expired = first_admin.issue_setup_token(s, settings.data_dir, lifetime=timedelta(seconds=-1))
    assert not first_admin.setup_pending(settings.data_dir)
    with db.session() as s, pytest.raises(Gone):
        first_admin.redeem(s, settings.data_dir, expired, "admin", "mat-khau-du-dai", "PT01")
    with db.session() as s:
        fresh = first_admin.issue_setup_token(s, settings.data_dir)
    with db.session() as s, pytest.raises(Invalid, match="12 ký tự"):
        first_admin.redeem(s, settings.data_dir, fresh, "admin", "ngan", "PT01")
    with db.session() as s:
        assert s.query(User).count() == 0
    assert first_admin.setup_pending(settings.data_dir)  # still usable after a refused attempt


def test_an_administrator_made_another_way_closes_the_link(db, settings):
    with db.session() as s:
        secret = first_admin.issue_setup_token(s, settings.data_dir)
    with db.session() as s:
        create_user(s, "quantri", "mat-khau-du-dai", Role.admin, "PT01")
    with db.session() as s, pytest.raises(Conflict):
        first_admin.redeem(s, settings.data_dir, secret, "admin", "mat-khau-du-dai", "PT01")
