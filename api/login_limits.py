"""Sign-in limits: per client and per account, checked before any password hash is computed.

* A client address gets ``login_attempts_per_client`` attempts a minute; more are refused with
  429 and ``Retry-After`` at once.
* An account (known or not) that collects ``login_failures_before_lockout`` wrong passwords within
  ``login_lockout_minutes`` is locked for that long; known accounts are locked in the catalog
  (``app_user.locked_until``, seen by every API process) until the time passes or an admin lifts it.
* Password hashes (argon2: ~0.2 s of a core each, and memory) are computed by a pool of
  ``password_hash_workers`` threads; when ``password_hash_queue`` sign-ins already wait, the next is
  refused with 429 instead of piling up.
* Failures and refusals are audited in aggregate: one entry per account at lockout, and one entry
  a minute with the counts per account and per client, instead of one row per attempt.

The windows are kept in memory, per API process.
"""
from __future__ import annotations

import asyncio
import json
import math
import os
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from fastapi import Request

from core.errors import Throttled
from core.settings import Settings

T = TypeVar("T")
LOGIN_PATH = "/api/v1/auth/token"
TARPIT_S = 5.0
MAX_TARPITTED = 2000
HASH_NICENESS = 10
CLIENT_WINDOW_S = 60.0
AUDIT_EVERY_S = 60.0
MAX_TRACKED = 100_000
"""Keys kept at most per table: a flood of made-up usernames must not grow memory without bound."""


def too_many(retry_after: float) -> Throttled:
    return Throttled("too_many_attempts", "Đăng nhập sai hoặc thử quá nhiều lần. Vui lòng thử lại sau.",
                     retry_after=max(1, math.ceil(retry_after)))


def locked(retry_after: float) -> Throttled:
    return Throttled("account_locked", "Tài khoản tạm khoá do nhập sai mật khẩu nhiều lần. Vui lòng thử lại "
                                       "sau hoặc liên hệ quản trị viên.", retry_after=max(1, math.ceil(retry_after)))


class LoginGuard:
    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_client = settings.login_attempts_per_client
        self.max_failures = settings.login_failures_before_lockout
        self.lockout_s = settings.login_lockout_minutes * 60
        self.clock = clock
        self._lock = threading.Lock()
        self._attempts: dict[str, deque[float]] = {}   # per client: attempt times in the last minute
        self._failures: dict[str, deque[float]] = {}   # per account: failure times in the lockout window
        self._locked: dict[str, float] = {}            # per account: locked until (monotonic)
        self._pool = ThreadPoolExecutor(settings.password_hash_workers, thread_name_prefix="password-hash",
                                        initializer=_lower_priority)
        self._slots = threading.BoundedSemaphore(settings.password_hash_workers + settings.password_hash_queue)
        self._counts: Counter[tuple[str, str]] = Counter()  # ("failed"|"throttled", who) since the last flush
        self._flushed_at = clock()

    def admit_client(self, client: str) -> None:
        """Count an attempt of a client address; refuse (Throttled) once it is over its limit. The
        middleware below calls it before the request body is even read."""
        now = self.clock()
        with self._lock:
            attempts = self._window(self._attempts, client, now - CLIENT_WINDOW_S)
            if len(attempts) >= self.per_client:
                self._counts[("throttled", client)] += 1
                raise too_many(attempts[0] + CLIENT_WINDOW_S - now)
            attempts.append(now)

    def admit_account(self, client: str, username: str) -> None:
        """Refuse (Throttled) an account this process locked, before its password is hashed."""
        now = self.clock()
        with self._lock:
            until = self._locked.get(username)
            if until is not None and until > now:
                self._counts[("throttled", client)] += 1
                raise locked(until - now)

    def run_hash(self, work: Callable[[], T]) -> T:
        """Run ``work`` (which hashes a password) in the bounded pool; refuse when it is full."""
        if not self._slots.acquire(blocking=False):
            raise too_many(1)
        try:
            return self._pool.submit(work).result()
        finally:
            self._slots.release()

    def failed(self, client: str, username: str) -> bool:
        """Count a wrong password; True when this one locks the account."""
        now = self.clock()
        with self._lock:
            self._counts[("failed", username)] += 1
            failures = self._window(self._failures, username, now - self.lockout_s)
            failures.append(now)
            if len(failures) < self.max_failures:
                return False
            failures.clear()
            if len(self._locked) >= MAX_TRACKED:
                self._locked = {k: v for k, v in self._locked.items() if v > now}
            self._locked[username] = now + self.lockout_s
            return True

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(username, None)

    def lift(self, username: str) -> None:
        """An admin lifted the lockout: forget this process's count too."""
        with self._lock:
            self._locked.pop(username, None)
            self._failures.pop(username, None)

    def due_counts(self) -> dict[str, dict[str, int]] | None:
        """The counts to audit, once a minute (None when not yet due or nothing happened)."""
        now = self.clock()
        with self._lock:
            if now - self._flushed_at < AUDIT_EVERY_S or not self._counts:
                return None
            counts, self._counts, self._flushed_at = self._counts, Counter(), now
        out: dict[str, dict[str, int]] = {"failed": {}, "throttled": {}}
        for (kind, who), n in counts.items():
            out[kind][who] = n
        return out

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    @staticmethod
    def _window(table: dict[str, deque[float]], key: str, since: float) -> deque[float]:
        times = table.get(key)
        if times is None:
            if len(table) >= MAX_TRACKED:  # drop the idle ones before tracking another
                for k in [k for k, v in table.items() if not v or v[-1] < since]:
                    del table[k]
            times = table[key] = deque()
        while times and times[0] < since:
            times.popleft()
        return times


def _lower_priority() -> None:
    """Hashing threads yield the cores to request handling (Linux: a thread's own nice value)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_NICENESS)
    except (AttributeError, OSError):  # not Linux, or not permitted: same priority as the rest
        pass


_create_lock = threading.Lock()


def login_guard(request: Request) -> LoginGuard:
    return guard_of(request.app.state)


def guard_of(state) -> LoginGuard:
    """The app's guard, made on first use from the running services' settings."""
    guard = getattr(state, "login_guard", None)
    if guard is None:
        with _create_lock:
            guard = getattr(state, "login_guard", None)
            if guard is None:
                guard = state.login_guard = LoginGuard(state.services.settings)
    return guard


class LoginThrottle:
    """ASGI middleware: a client over its sign-in limit gets its 429 before the request body is read
    or any route machinery runs. The answer is held back (up to ``TARPIT_S``, never past its
    Retry-After) and the connection then closed: a flooding client's connections wait instead of
    turning into a stream of cheap requests that still crowd out everyone else's on the event loop.
    At most ``MAX_TARPITTED`` answers wait at once; beyond that they go out at once."""

    def __init__(self, app, path: str = LOGIN_PATH) -> None:
        self.app = app
        self.path = path
        self.waiting = 0

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == self.path:
            client = scope["client"][0] if scope.get("client") else "-"
            try:
                guard_of(scope["app"].state).admit_client(client)
            except Throttled as exc:
                await self._refuse(exc, send)
                return
        await self.app(scope, receive, send)

    async def _refuse(self, exc: Throttled, send) -> None:
        if self.waiting < MAX_TARPITTED:
            self.waiting += 1
            try:
                await asyncio.sleep(min(TARPIT_S, exc.retry_after))
            finally:
                self.waiting -= 1
        body = json.dumps(exc.to_json(), ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": 429, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(exc.retry_after).encode()), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})
