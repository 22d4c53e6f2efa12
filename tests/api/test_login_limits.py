"""Sign-in limits: per client and per account, refused before the password hash, a bounded
hashing pool, lockouts an admin lifts, failures audited in aggregate."""
from __future__ import annotations

import threading

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from api.login_limits import AUDIT_EVERY_S, LoginGuard
from catalog.audit import AuditEntry
from catalog.users import User
from core.errors import Throttled
from tests.conftest import PASSWORD, auth_header, running_client

TOKEN = "/api/v1/auth/token"


class CountingHasher(PasswordHasher):
    """The real (cheap) argon2 hasher, counting how often it hashes."""

    calls = 0

    def hash(self, *a, **kw):
        CountingHasher.calls += 1
        return super().hash(*a, **kw)

    def verify(self, *a, **kw):
        CountingHasher.calls += 1
        return super().verify(*a, **kw)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def limited(settings, monkeypatch):
    settings.login_attempts_per_client = 8
    settings.login_failures_before_lockout = 3
    monkeypatch.setattr("catalog.users._hasher", CountingHasher(time_cost=1, memory_cost=1024, parallelism=1))
    clock = Clock()
    for client in running_client(settings):
        client.app.state.login_guard = LoginGuard(settings, clock=clock)
        client.clock = clock
        yield client


def login(client, username: str, password: str):
    return client.post(TOKEN, data={"username": username, "password": password})


def test_a_client_over_its_limit_gets_429_with_retry_after_before_any_hash(limited):
    for i in range(8):
        assert login(limited, f"someone{i}", "wrong password").status_code == 401
    hashes = CountingHasher.calls
    r = login(limited, "counter1", PASSWORD)  # even the right password: the client is over its limit
    assert r.status_code == 429 and r.json()["code"] == "too_many_attempts"
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    assert CountingHasher.calls == hashes  # refused before the password hash
    limited.clock.now += 61
    assert login(limited, "counter1", PASSWORD).status_code == 200


def test_an_account_is_locked_after_repeated_failures_until_an_admin_lifts_it(limited):
    admin = auth_header(limited, "admin1")
    for _ in range(3):
        assert login(limited, "handler1", "wrong password").status_code == 401
    hashes = CountingHasher.calls
    r = login(limited, "handler1", PASSWORD)
    assert r.status_code == 429 and r.json()["code"] == "account_locked" and int(r.headers["Retry-After"]) > 60
    assert CountingHasher.calls == hashes
    services = limited.app.state.services
    with services.db.session() as s:
        assert s.scalars(select(User).where(User.username == "handler1")).one().locked_until is not None
        lockout = s.scalars(select(AuditEntry).where(AuditEntry.action == "auth.lockout")).one()
        assert lockout.object_id == "handler1" and '"failures": 3' in lockout.details
    # Another process (a fresh guard) sees the lock in the catalog.
    limited.app.state.login_guard = LoginGuard(services.settings, clock=limited.clock)
    assert login(limited, "handler1", PASSWORD).json()["code"] == "account_locked"
    r = limited.delete("/api/v1/admin/users/handler1/lockout", headers=admin)
    assert r.status_code == 200 and r.json()["locked_until"] is None
    assert login(limited, "handler1", PASSWORD).status_code == 200


def test_failures_are_audited_in_aggregate(limited):
    for _ in range(2):
        login(limited, "archivist1", "wrong password")
    login(limited, "ghost", "wrong password")
    services = limited.app.state.services
    with services.db.session() as s:
        assert not list(s.scalars(select(AuditEntry).where(AuditEntry.action.like("auth.login_f%"))))
    limited.clock.now += AUDIT_EVERY_S + 1
    login(limited, "ghost", "wrong password")
    with services.db.session() as s:
        [entry] = s.scalars(select(AuditEntry).where(AuditEntry.action == "auth.login_failures"))
    assert '"archivist1": 2' in entry.details and '"ghost": 2' in entry.details


def test_the_hashing_pool_is_bounded(settings):
    settings.password_hash_workers, settings.password_hash_queue = 1, 0
    guard = LoginGuard(settings)
    started, release = threading.Event(), threading.Event()

    def slow() -> bool:
        started.set()
        release.wait(10)
        return True

    worker = threading.Thread(target=guard.run_hash, args=(slow,))
    worker.start()
    assert started.wait(10)
    with pytest.raises(Throttled):  # the one slot is taken: refused at once, not queued
        guard.run_hash(lambda: True)
    release.set()
    worker.join()
    assert guard.run_hash(lambda: "free again") == "free again"
    guard.close()
