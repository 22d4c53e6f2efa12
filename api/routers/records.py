"""Records management and access administration: one router gathering the admin_* resources."""
from __future__ import annotations

from fastapi import APIRouter

from api.routers import (
    admin_audit,
    admin_disposal,
    admin_fixity,
    admin_holds,
    admin_retention,
    admin_transfer,
    admin_users,
)

router = APIRouter()
for module in (admin_users, admin_audit, admin_retention, admin_holds, admin_disposal, admin_fixity, admin_transfer):
    router.include_router(module.router)
