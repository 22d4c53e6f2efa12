"""The FastAPI application: routers, error handling, body limits, and the services' lifetime."""
from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import errors
from api.limits import BodySizeLimit
from api.metrics import RequestMetrics
from api.routers import (
    admin_dead_letters,
    auth,
    batches,
    catalogs,
    coding,
    documents,
    dossiers,
    ops,
    owners,
    records,
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
    app.add_middleware(RequestMetrics)  # outermost: refused bodies are counted too
    for module in (auth, dossiers, documents, search, web, coding, results, catalogs, batches):
        app.include_router(module.router)
    app.include_router(records.router)
    app.include_router(admin_dead_letters.router)
    app.include_router(reuse.router)
    app.include_router(owners.router)
    app.include_router(ops.router)

    @app.get("/healthz", tags=["ops"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
