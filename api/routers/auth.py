from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from api.auth import ALL_ROLES, issue_token, require
from api.deps import ServicesDep
from catalog.audit import Actor, record
from catalog.users import authenticate
from core import metrics
from core.errors import Unauthenticated

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    role: str
    office_code: str


class MeOut(BaseModel):
    username: str
    role: str
    office_code: str | None


@router.post("/token", response_model=TokenOut)
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request,
          services: ServicesDep) -> TokenOut:
    """OAuth2 password flow: a short-lived bearer token."""
    remote = request.client.host if request.client else None
    with services.db.session() as s:
        user = authenticate(s, form.username, form.password)
        if user is not None:
            record(s, Actor(user.username, user.role, user.office_code, remote), "auth.login", "user", user.username)
            token, seconds = issue_token(services, user)
            return TokenOut(access_token=token, expires_in=seconds, role=user.role, office_code=user.office_code)
    with services.db.session() as s:
        record(s, Actor(form.username[:64], "-", None, remote), "auth.login_failed", "user", form.username[:64])
    metrics.FAILED_LOGINS.inc()
    raise Unauthenticated("invalid_credentials", "Sai tên đăng nhập hoặc mật khẩu.")


@router.get("/me", response_model=MeOut)
def me(actor: Annotated[Actor, require(*ALL_ROLES)]) -> MeOut:
    return MeOut(username=actor.username, role=actor.role, office_code=actor.office_code)
