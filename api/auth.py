"""Authentication (OAuth2 password flow with short-lived JWTs, or an API key) and role checks.

A token expires after ``token_minutes`` (idle expiry); a page in use trades it for a new one
(``/api/v1/auth/refresh``) that keeps the time of sign-in, so a sign-in ends ``session_hours``
after the password was given whatever the renewals.

Every route declares the roles it allows with ``require(...)``; the dependency also hands the
route an audit ``Actor`` so reads and changes of personal data are recorded under that name.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

import jwt
from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlalchemy import select

from api import policy
from api.deps import ServicesDep
from catalog.audit import Actor
from catalog.scope import writable_offices
from catalog.users import Role, User, user_for_api_key
from core.clock import utcnow
from core.errors import Forbidden, Unauthenticated

ALGORITHM = "HS256"
ALL_ROLES = tuple(Role)

bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False)


def not_authenticated() -> Unauthenticated:
    return Unauthenticated("not_authenticated", "Vui lòng đăng nhập (phiên làm việc không có hoặc đã hết hạn).")


def issue_token(services, user: User, signed_in_at: datetime | None = None) -> tuple[str, int]:
    """A bearer token and its lifetime in seconds: ``token_minutes`` from now (idle expiry), never past
    ``session_hours`` after the password was given (``signed_in_at``, carried as ``auth_time``)."""
    now = utcnow()
    started = signed_in_at or now
    expires = min(now + timedelta(minutes=services.settings.token_minutes),
                  started + timedelta(hours=services.settings.session_hours))
    claims = {"sub": user.username, "role": user.role, "office": user.office_code, "ver": user.token_version,
              "auth_time": int(started.timestamp()), "exp": expires}
    return jwt.encode(claims, services.secret_key, algorithm=ALGORITHM), max(0, int((expires - now).total_seconds()))


def session_over(services) -> Unauthenticated:
    return Unauthenticated("session_expired", f"Phiên làm việc đã quá {services.settings.session_hours:g} giờ "
                                              "kể từ khi đăng nhập; vui lòng đăng nhập lại.")


def session_expired(services, token: str) -> Unauthenticated:
    """A well-signed token past its time: say which limit ended the session."""
    claims = jwt.decode(token, services.secret_key, algorithms=[ALGORITHM], options={"verify_exp": False})
    started = claims.get("auth_time")
    if started is not None and utcnow().timestamp() >= started + services.settings.session_hours * 3600 - 1:
        return session_over(services)
    return Unauthenticated("session_expired", "Phiên làm việc đã hết hạn vì lâu không thao tác; vui lòng đăng nhập lại.")


def token_claims(services, token: str) -> dict | None:
    """The claims of a valid token; None for a forged or malformed one; an expired one raises ``session_expired``."""
    try:
        return jwt.decode(token, services.secret_key, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]})
    except jwt.ExpiredSignatureError:
        raise session_expired(services, token) from None
    except jwt.PyJWTError:
        return None


def user_of(session, claims: dict) -> User | None:
    user = session.scalars(select(User).where(User.username == claims["sub"])).first()
    # A token issued before a password, role, office or activity change carries an older version.
    if user is None or not user.active or claims.get("ver", 0) != user.token_version:
        return None
    return user


def current_actor(request: Request, services: ServicesDep,
                  token: Annotated[str | None, Depends(bearer)],
                  api_key: Annotated[str | None, Depends(_api_key)]) -> Actor:
    with services.db.session() as s:
        user = None
        if token:
            claims = token_claims(services, token)
            user = user_of(s, claims) if claims is not None else None
        elif api_key:
            user = user_for_api_key(s, api_key)
        if user is None:
            raise not_authenticated()
        return Actor(user.username, user.role, user.office_code, request.client.host if request.client else None,
                     offices=writable_offices(s, user))


def require(*roles: Role, writes: str | None = None):
    """Dependency allowing only the given roles (admin is always allowed); with ``writes``
    (``policy.DOSSIER`` or ``policy.DOCUMENT``) also only records within the caller's offices."""
    allowed = {r.value for r in roles} | {Role.admin.value}

    def check(request: Request, services: ServicesDep, actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
        if actor.role not in allowed:
            raise Forbidden("forbidden", "Tài khoản của bạn không có quyền thực hiện thao tác này.")
        if writes is not None:
            with services.db.session() as s:
                policy.ensure_write(s, actor, writes, request.path_params)
        return actor

    check.allowed_roles = frozenset(allowed)  # read by the route-coverage test
    check.office_scope = writes  # read by the office-boundary test
    return Depends(check)
