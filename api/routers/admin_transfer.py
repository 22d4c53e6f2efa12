"""Admin API: transfer export — a dossier's or an owner's documents as a BagIt package, streamed."""
from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Path
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from api.auth import require
from api.deps import ServicesDep
from catalog.audit import Actor
from catalog.users import Role
from records.transfer import build_bag, stream_archive

router = APIRouter(prefix="/api/v1/admin/transfer", tags=["admin: transfer"])

Archivist = Annotated[Actor, require(Role.archivist)]
MEDIA = {"zip": "application/zip", "tar": "application/x-tar"}


async def _export(services, actor: Actor, fmt: str, **scope) -> StreamingResponse:
    dest = services.tmp_dir / f"bag-{uuid.uuid4().hex}"  # removed on failure, or once streamed
    bag = await run_in_threadpool(build_bag, services, dest, actor, **scope)
    return StreamingResponse(
        stream_archive(bag, fmt), media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{bag.name}.{fmt}"',
                 "X-Bag-Documents": str(bag.documents)})


@router.get("/dossiers/{code}", response_class=StreamingResponse,
            responses={200: {"content": {"application/zip": {}, "application/x-tar": {}}}})
async def export_dossier(code: Annotated[str, Path(max_length=40)], actor: Archivist, services: ServicesDep,
                         format: Literal["zip", "tar"] = "zip") -> StreamingResponse:
    """A dossier's components and results as a BagIt bag (originals, searchable PDFs, metadata, manifests)."""
    return await _export(services, actor, format, dossier=code)


@router.get("/owners/{ref}", response_class=StreamingResponse,
            responses={200: {"content": {"application/zip": {}, "application/x-tar": {}}}})
async def export_owner(ref: Annotated[str, Path(max_length=12)], actor: Archivist, services: ServicesDep,
                       format: Literal["zip", "tar"] = "zip") -> StreamingResponse:
    """Every document of an owner (personal ID or insurance code) as a BagIt bag."""
    return await _export(services, actor, format, owner=ref)
