"""First start over HTTP: the one-time setup link creates the first administrator (public route,
guarded by the link's secret and by answering only requests from the machine itself)."""
from __future__ import annotations

import ipaddress

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, Field

from api.deps import ServicesDep
from catalog import first_admin
from catalog.audit import Actor, record
from core.errors import Forbidden

router = APIRouter(prefix="/api/v1/setup", tags=["first start"])


class FirstAdminIn(BaseModel):
    token: str = Field(min_length=1, max_length=200, description="The secret of the link `sohoa serve` printed")
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    password: str = Field(min_length=10, max_length=200)
    office_code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9._-]+$")
    full_name: str | None = Field(None, max_length=200)


class FirstAdminOut(BaseModel):
    username: str
    role: str
    office_code: str


def is_local(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@router.post("/admin", response_model=FirstAdminOut, status_code=status.HTTP_201_CREATED)
def create_first_admin(body: FirstAdminIn, request: Request, services: ServicesDep) -> FirstAdminOut:
    """Spend the setup link: the first administrator, with the password they chose."""
    if not is_local(request):
        raise Forbidden("setup_not_local", "Liên kết khởi tạo chỉ dùng được trên chính máy chạy dịch vụ.")
    with services.db.session() as s:
        user = first_admin.redeem(s, services.settings.data_dir, body.token, body.username, body.password,
                                  body.office_code, body.full_name)
        actor = Actor(user.username, user.role, user.office_code, request.client.host)
        record(s, actor, "user.create", "user", user.username, role=user.role, office=user.office_code,
               via="setup_link")
        return FirstAdminOut(username=user.username, role=user.role, office_code=user.office_code)
