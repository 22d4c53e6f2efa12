"""The public procedure list (no sign-in): what the office handles, the papers to bring, how long it takes."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import SessionDep
from catalog.catalogs import active_catalog
from catalog.procedure_list import public_procedures

router = APIRouter(prefix="/api/v1/catalog", tags=["coding"])


@router.get("/procedures")
def list_procedures(session: SessionDep, q: Annotated[str, Query(max_length=200)] = "",
                    limit: Annotated[int, Query(ge=1, le=500)] = 500) -> dict[str, Any]:
    """Procedures of the catalog in force matching ``q`` (code prefix or name words, diacritics optional)."""
    catalog = active_catalog(session)
    return {"version": catalog.label, "sample": catalog.sample,
            "procedures": public_procedures(catalog, q, limit)}
