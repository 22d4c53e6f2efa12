"""The web pages: server-rendered Jinja2 templates with a little vanilla JavaScript over the same
public API. Pages hold no data of their own: they ask the API with the bearer token the sign-in
page keeps in the tab's sessionStorage, so there is no cookie and no cross-site request to forge."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.deps import ServicesDep
from catalog import first_admin
from catalog.catalogs import active_catalog
from catalog.procedure_list import public_procedures

HERE = Path(__file__).resolve().parent.parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")

router = APIRouter(include_in_schema=False)
PER_PAGE = 30

# No inline script may run: every script is a file under /static, so injected markup cannot execute.
POLICY = ("default-src 'self'; img-src 'self' blob: data:; object-src 'none'; base-uri 'none'; "
          "form-action 'self'; frame-ancestors 'none'")

PAGES = {
    "counter": "Tiếp nhận hồ sơ",
    "search": "Tra cứu giấy tờ",
    "archive": "Quản lý lưu trữ",
    "dossiers": "Hồ sơ đang giải quyết",
    "reports": "Báo cáo",
    "login": "Đăng nhập",
    "setup": "Khởi tạo quản trị viên",
}


def page(request: Request, name: str, **context) -> HTMLResponse:
    response = templates.TemplateResponse(request, f"{name}.html",
                                           {"page": name, "title": PAGES.get(name, ""), **context})
    response.headers["Content-Security-Policy"] = POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.get("/", response_class=HTMLResponse)
def counter_page(request: Request) -> HTMLResponse:
    return page(request, "counter")


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request) -> HTMLResponse:
    return page(request, "search")


@router.get("/archive", response_class=HTMLResponse)
def archive_page(request: Request) -> HTMLResponse:
    return page(request, "archive")


@router.get("/dossiers", response_class=HTMLResponse)
def dossiers_page(request: Request) -> HTMLResponse:
    return page(request, "dossiers")


@router.get("/reports", response_class=HTMLResponse)
def reports_page(request: Request) -> HTMLResponse:
    return page(request, "reports")


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, services: ServicesDep) -> HTMLResponse:
    return page(request, "login", setup_pending=first_admin.setup_pending(services.settings.data_dir))


@router.get("/setup", response_class=HTMLResponse)
def setup_page(request: Request) -> HTMLResponse:
    return page(request, "setup")


@router.get("/procedures", response_class=HTMLResponse)
def procedures_page(request: Request, services: ServicesDep, q: Annotated[str, Query(max_length=200)] = "",
                    page_number: Annotated[int, Query(alias="trang", ge=1, le=1000)] = 1) -> HTMLResponse:
    """Public: rendered on the server from the catalog in force, searched and paged without JavaScript
    (a page of PER_PAGE procedures keeps the page light whatever the size of the catalog)."""
    with services.db.session() as s:
        catalog = active_catalog(s)
        found, version = public_procedures(catalog, q, limit=10_000), catalog.label
    pages = max(1, -(-len(found) // PER_PAGE))
    shown = found[(page_number - 1) * PER_PAGE:page_number * PER_PAGE]
    return page(request, "procedures", title="Danh mục thủ tục hành chính", procedures=shown, total=len(found),
                q=q, page_number=page_number, pages=pages, catalog_version=version)
