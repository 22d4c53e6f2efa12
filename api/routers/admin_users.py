"""Admin API: user accounts, API keys and offices (admins only)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from api.auth import require
from api.deps import SessionDep
from api.inputs import Input
from api.params import OfficeCode, Offset, Username
from api.routers.auth import GuardDep
from catalog import accounts
from catalog.audit import Actor
from catalog.users import Role

router = APIRouter(prefix="/api/v1/admin", tags=["admin: users"])

Admin = Annotated[Actor, require()]  # admin only
Scope = Literal["office", "province"]
OFFICE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    username: str
    full_name: str | None
    role: str
    office_code: str
    scope: str
    active: bool
    created_at: datetime
    locked_until: datetime | None


class UserCreate(Input):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    password: str = Field(min_length=12, max_length=200)
    role: Role
    office_code: str = Field(min_length=1, max_length=32, pattern=OFFICE_PATTERN)
    full_name: str | None = Field(None, max_length=200)
    scope: Scope = Field("office", description="Archivists and admins: change records of their office or province")


class UserPatch(Input):
    full_name: str | None = Field(None, max_length=200)
    role: Role | None = None
    office_code: str | None = Field(None, min_length=1, max_length=32, pattern=OFFICE_PATTERN)
    active: bool | None = None
    password: str | None = Field(None, min_length=12, max_length=200)
    scope: Scope | None = None


class ApiKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    prefix: str
    name: str
    created_at: datetime
    revoked_at: datetime | None
    expires_at: datetime | None


class ApiKeyCreate(Input):
    name: str = Field(min_length=1, max_length=100)
    expires_at: AwareDatetime | None = Field(None, description="Optional: the key stops working then")


class ApiKeyIssued(ApiKeyOut):
    key: str = Field(description="The full key: shown this once, never stored")


class OfficeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    province_code: str | None


class OfficeSet(Input):
    name: str = Field(min_length=1, max_length=200)
    province_code: str | None = Field(None, min_length=1, max_length=32, pattern=OFFICE_PATTERN,
                                      description="Offices of one province share it (province-scoped users)")


@router.get("/users", response_model=list[UserOut])
def list_users(actor: Admin, session: SessionDep, office: Annotated[str | None, Query(max_length=32)] = None, role: Role | None = None,
               active: bool | None = None, offset: Offset = 0,
               limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[UserOut]:
    return [UserOut.model_validate(u) for u in accounts.list_users(session, office=office, role=role, active=active,
                                                                   offset=offset, limit=limit)]


@router.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, actor: Admin, session: SessionDep) -> UserOut:
    user = accounts.add_user(session, actor, body.username, body.password, body.role, body.office_code,
                             body.full_name, body.scope)
    return UserOut.model_validate(user)


@router.get("/users/{username}", response_model=UserOut)
def read_user(username: Username, actor: Admin, session: SessionDep) -> UserOut:
    return UserOut.model_validate(accounts.get_user(session, username))


@router.patch("/users/{username}", response_model=UserOut)
def change_user(username: Username, body: UserPatch, actor: Admin, session: SessionDep) -> UserOut:
    change = accounts.UserChange(**body.model_dump(exclude_unset=True))
    return UserOut.model_validate(accounts.change_user(session, actor, username, change))


@router.delete("/users/{username}/lockout", response_model=UserOut)
def lift_lockout(username: Username, actor: Admin, session: SessionDep, guard: GuardDep) -> UserOut:
    """Let an account locked after repeated wrong passwords sign in again at once."""
    user = accounts.lift_lockout(session, actor, username)
    guard.lift(username)
    return UserOut.model_validate(user)


@router.get("/users/{username}/api-keys", response_model=list[ApiKeyOut])
def list_api_keys(username: Username, actor: Admin, session: SessionDep) -> list[ApiKeyOut]:
    return [ApiKeyOut.model_validate(k) for k in accounts.list_keys(session, username)]


@router.post("/users/{username}/api-keys", response_model=ApiKeyIssued, status_code=status.HTTP_201_CREATED)
def issue_api_key(username: Username, body: ApiKeyCreate, actor: Admin, session: SessionDep) -> ApiKeyIssued:
    key, row = accounts.new_key(session, actor, username, body.name, body.expires_at)
    return ApiKeyIssued(key=key, **ApiKeyOut.model_validate(row).model_dump())


@router.delete("/api-keys/{prefix}", response_model=ApiKeyOut)
def revoke_api_key(prefix: Annotated[str, Path(max_length=16)], actor: Admin, session: SessionDep) -> ApiKeyOut:
    return ApiKeyOut.model_validate(accounts.revoke_key(session, actor, prefix))


@router.get("/offices", response_model=list[OfficeOut])
def list_offices(actor: Admin, session: SessionDep) -> list[OfficeOut]:
    return [OfficeOut.model_validate(o) for o in accounts.list_offices(session)]


@router.put("/offices/{code}", response_model=OfficeOut)
def set_office(code: OfficeCode, body: OfficeSet, actor: Admin, session: SessionDep) -> OfficeOut:
    return OfficeOut.model_validate(accounts.set_office(session, actor, code, body.name, body.province_code))
