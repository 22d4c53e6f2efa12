"""The FastAPI application: routers, error handling, body limits, and the services' lifetime."""
from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api import error_responses, errors
from api.inputs import RefuseNul
from api.limits import BodySizeLimit
from api.login_limits import LoginThrottle
from api.metrics import RequestMetrics
from api.routers import (
    admin_dead_letters,
    auth,
    batches,
    calendar,
    catalogs,
    coding,
    documents,
    document_pages,
    dossiers,
    first_start,
    ops,
    owners,
    portal,
    procedure_list,
    records,
    register,
    reports,
    results,
    reuse,
    search,
    web,
)
from core.settings import Settings
from ingest.services import Services


def create_app(settings: Settings, open_services: Callable[[], Services]) -> FastAPI:
    """The app over services that ``open_services`` builds at start-up and closes at shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = open_services()
        app.state.services = services
        try:
            yield
        finally:
            services.close()

    app = FastAPI(title="sohoa", version="0.1.0", lifespan=lifespan,
                  description="Số hoá hồ sơ, giấy tờ, kết quả giải quyết TTHC — digitization and archive API")
    errors.install(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(RefuseNul)
    app.add_middleware(LoginThrottle)  # outermost: a sign-in flood is refused before anything else runs
    app.add_middleware(RequestMetrics)  # outermost: refused bodies are counted too
    for module in (auth, dossiers, documents, search, web, coding, results, catalogs, batches):
        app.include_router(module.router)
    app.include_router(records.router)
    app.include_router(admin_dead_letters.router)
    app.include_router(reuse.router)
    app.include_router(owners.router)
    app.include_router(register.router)
    app.include_router(calendar.router)
    app.include_router(portal.router)
    app.include_router(reports.router)
    for module in (first_start, procedure_list, document_pages):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=web.STATIC_DIR), name="static")
    app.include_router(ops.router)

    @app.get("/healthz", tags=["ops"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    error_responses.declare(app)  # after every route is in
    return app
