from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from api.auth import ALL_ROLES, bearer, issue_token, require, session_over, token_claims
from api.deps import ServicesDep
from api.login_limits import LoginGuard, locked, login_guard
from catalog.accounts import lock_account
from catalog.audit import Actor, record
from catalog.users import User, credentials, password_matches, refresh_hash
from core.clock import utcnow
from core import metrics
from core.errors import Invalid, Unauthenticated

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
GuardDep = Annotated[LoginGuard, Depends(login_guard)]


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    role: str
    office_code: str
    session_expires_at: datetime = Field(description="The sign-in's absolute end (session_hours after the "
                                                     "password): no renewal goes past it")


class MeOut(BaseModel):
    username: str
    role: str
    office_code: str | None


@router.post("/token", response_model=TokenOut, responses={
    401: {"description": "Wrong username or password"},
    429: {"description": "Too many attempts from this client, or the account is locked (see Retry-After)"}})
async def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request, services: ServicesDep,
                guard: GuardDep) -> TokenOut:
    """OAuth2 password flow: a short-lived bearer token. Attempts are limited per client and per
    account (api/login_limits.py); refused ones never reach the password hash."""
    remote = request.client.host if request.client else "-"
    username = form.username[:64]
    try:
        guard.admit_account(remote, username)  # the client's own limit: api.login_limits.LoginThrottle
        return await run_in_threadpool(_sign_in, services, guard, remote, username, form.password)
    finally:
        if (counts := guard.due_counts()) is not None:
            await run_in_threadpool(_audit_counts, services, counts, remote)


def _sign_in(services, guard: LoginGuard, remote: str, username: str, password: str) -> TokenOut:
    with services.db.session() as s:
        found = credentials(s, username)
    now = utcnow()
    if found is not None and found.locked_until is not None and found.locked_until > now:
        raise locked((found.locked_until - now).total_seconds())
    stored = found.password_hash if found is not None and found.active else None
    if guard.run_hash(lambda: password_matches(stored, password)):
        guard.succeeded(username)
        with services.db.session() as s:
            user = s.get(User, found.user_id)
            refresh_hash(user, password)
            record(s, Actor(user.username, user.role, user.office_code, remote), "auth.login", "user", user.username)
            started = utcnow().replace(microsecond=0)
            token, seconds = issue_token(services, user, signed_in_at=started)
            return TokenOut(access_token=token, expires_in=seconds, role=user.role, office_code=user.office_code,
                            session_expires_at=started + timedelta(hours=services.settings.session_hours))
    if guard.failed(remote, username) and found is not None:
        until = now + timedelta(minutes=services.settings.login_lockout_minutes)
        with services.db.session() as s:
            lock_account(s, username, until, services.settings.login_failures_before_lockout, remote)
    metrics.FAILED_LOGINS.inc()
    raise Unauthenticated("invalid_credentials", "Sai tên đăng nhập hoặc mật khẩu.")


def _audit_counts(services, counts: dict[str, dict[str, int]], remote: str) -> None:
    """Failed and refused sign-ins, counted per account and per client, in one entry a minute."""
    with services.db.session() as s:
        record(s, Actor("system:login", "-", None, remote), "auth.login_failures", "user", None, **counts)


@router.get("/me", response_model=MeOut)
def me(actor: Annotated[Actor, require(*ALL_ROLES)]) -> MeOut:
    return MeOut(username=actor.username, role=actor.role, office_code=actor.office_code)


@router.post("/refresh", response_model=TokenOut, responses={
    401: {"description": "The token expired (idle) or the sign-in reached its absolute limit (session_expired)"}})
def refresh(actor: Annotated[Actor, require(*ALL_ROLES)], services: ServicesDep,
            token: Annotated[str | None, Depends(bearer)]) -> TokenOut:
    """A new bearer token for a valid one, with the same time of sign-in: a page in use renews its token
    before it expires; one left alone expires (idle), and no renewal outlives ``session_hours``."""
    if not token:
        raise Invalid("refresh_needs_token", "Chỉ phiên đăng nhập bằng mật khẩu mới gia hạn được; "
                                             "khoá API không hết hạn theo phiên.")
    claims = token_claims(services, token)  # valid: the role check above has just read it
    started = datetime.fromtimestamp(claims.get("auth_time", 0), UTC)
    ends = started + timedelta(hours=services.settings.session_hours)
    if ends <= utcnow():
        raise session_over(services)
    with services.db.session() as s:
        user = s.scalars(select(User).where(User.username == actor.username)).one()
        record(s, actor, "auth.refresh", "user", user.username)
        new, seconds = issue_token(services, user, signed_in_at=started)
        return TokenOut(access_token=new, expires_in=seconds, role=user.role, office_code=user.office_code,
                        session_expires_at=ends)
