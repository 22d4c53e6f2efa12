from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from api import policy
from api.auth import require
from api.deps import ServicesDep
from api.schemas import HitOut, SearchOut, document_links
from catalog.audit import Actor, record
from catalog.users import Office, Role
from core.errors import Invalid
from search import InvalidQuery, SearchQuery
from search.types import MAX_OFFICES

router = APIRouter(prefix="/api/v1/search", tags=["search"])


@router.get("", response_model=SearchOut)
async def search(
    actor: Annotated[Actor, require(Role.counter, Role.handler, Role.archivist)],
    services: ServicesDep,
    q: Annotated[str, Query(max_length=500, description="Words, with or without diacritics; \"quotes\" for a phrase")] = "",
    owner: Annotated[str | None, Query(max_length=12)] = None,
    document_type: Annotated[str | None, Query(max_length=32)] = None,
    procedure: Annotated[str | None, Query(max_length=32)] = None,
    dossier: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(max_length=16)] = None,
    office: Annotated[list[str] | None, Query(max_length=MAX_OFFICES, description=(
        "Documents of these offices only (repeat for several); any office may be searched, a search "
        "of another office's records is audited as cross-office"))] = None,
    date_from: date | None = None,
    date_to: date | None = None,
    sort: Literal["relevance", "date"] = "relevance",
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    exact_total: Annotated[bool, Query(description=(
        "Count every match: without it, a result set of tens of thousands or more is counted over a "
        "sample, and total and facets are estimates (total_exact false)"))] = False,
) -> SearchOut:
    offices = await run_in_threadpool(_offices, services, office) if office else ()
    query = SearchQuery(text=q, owner=owner, document_type=document_type, procedure=procedure, dossier=dossier,
                        status=status, offices=offices, date_from=_clamp(date_from), date_to=_clamp(date_to),
                        sort=sort, offset=offset, limit=limit, exact_total=exact_total)
    try:
        results = await run_in_threadpool(services.index.search, query)
    except InvalidQuery as exc:
        raise Invalid("invalid_query", f"Câu tìm kiếm không hợp lệ: {exc}") from exc
    await run_in_threadpool(_audit, services, actor, query, results)
    return SearchOut(
        total=results.total, total_exact=results.total_exact, took_ms=results.took_ms, facets=results.facets,
        hits=[HitOut(id=h.id, score=h.score, title=h.title, document_type=h.document_type, owner_ids=h.owner_ids,
                     created_at=h.created_at, highlights=h.highlights, links=document_links(h.id), office=h.office)
              for h in results.hits],
    )


class OfficeOption(BaseModel):
    code: str
    name: str


class SearchOfficesOut(BaseModel):
    own: str | None
    """The caller's office: what the search page narrows to first."""
    scope: list[str]
    """The offices of the caller's scope (their own, or their province's for a province scope)."""
    offices: list[OfficeOption]
    """Every office that may be named in ``office``."""


@router.get("/offices", response_model=SearchOfficesOut)
def search_offices(actor: Annotated[Actor, require(Role.counter, Role.handler, Role.archivist)],
                   services: ServicesDep) -> SearchOfficesOut:
    """The offices a search may be narrowed to, for the search page's office select."""
    with services.db.session() as s:
        offices = [OfficeOption(code=o.code, name=o.name) for o in s.scalars(select(Office).order_by(Office.code))]
    return SearchOfficesOut(own=actor.office_code, scope=sorted(policy.writable(actor)), offices=offices)


def _offices(services, codes: list[str]) -> tuple[str, ...]:
    with services.db.session() as s:
        return policy.searched_offices(s, codes)


EARLIEST, LATEST = date(1900, 1, 1), date(2200, 12, 31)
"""Search dates are clamped to this range: no document was received outside it, and the engines
cannot represent every date (tantivy: 1677–2262)."""


def _clamp(day: date | None) -> date | None:
    return None if day is None else min(max(day, EARLIEST), LATEST)


def _audit(services, actor: Actor, query: SearchQuery, results) -> None:
    """A search shows personal records: who looked for what, and which documents came back."""
    shown = [h.id for h in results.hits]
    with services.db.session() as s:
        elsewhere = (policy.cross_office(actor, [*query.offices, *(h.office for h in results.hits)])
                     or policy.documents_cross_office(s, actor, shown))
        record(s, actor, "search", "document", None, query.owner, q=query.text, total=results.total,
               document_type=query.document_type, procedure=query.procedure, dossier=query.dossier,
               offices=list(query.offices), shown=shown, cross_office=elsewhere)
