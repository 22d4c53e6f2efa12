"""Authentication (OAuth2 password flow with short-lived JWTs, or an API key) and role checks.

Every route declares the roles it allows with ``require(...)``; the dependency also hands the
route an audit ``Actor`` so reads and changes of personal data are recorded under that name.
"""
from __future__ import annotations

from datetime import timedelta
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

_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False)


def not_authenticated() -> Unauthenticated:
    return Unauthenticated("not_authenticated", "Vui lòng đăng nhập (phiên làm việc không có hoặc đã hết hạn).")


def issue_token(services, user: User) -> tuple[str, int]:
    minutes = services.settings.token_minutes
    claims = {"sub": user.username, "role": user.role, "office": user.office_code, "ver": user.token_version,
              "exp": utcnow() + timedelta(minutes=minutes)}
    return jwt.encode(claims, services.secret_key, algorithm=ALGORITHM), minutes * 60


def _user_from_token(session, secret_key: str, token: str) -> User | None:
    try:
        claims = jwt.decode(token, secret_key, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]})
    except jwt.PyJWTError:
        return None
    user = session.scalars(select(User).where(User.username == claims["sub"])).first()
    # A token issued before a password, role, office or activity change carries an older version.
    if user is None or not user.active or claims.get("ver", 0) != user.token_version:
        return None
    return user


def current_actor(request: Request, services: ServicesDep,
                  token: Annotated[str | None, Depends(_bearer)],
                  api_key: Annotated[str | None, Depends(_api_key)]) -> Actor:
    with services.db.session() as s:
        user = None
        if token:
            user = _user_from_token(s, services.secret_key, token)
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
