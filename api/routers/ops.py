"""Operations endpoints for Prometheus and the orchestrator: ``/metrics`` and ``/readyz``
(``/healthz``, in api/app.py, stays a liveness check that touches no backend)."""
from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from api.deps import ServicesDep
from api.metrics import scrape
from core.metrics import CONTENT_TYPE
from ingest.readiness import check_readiness

router = APIRouter(tags=["ops"])

BACKEND_NAMES = {"catalog": "cơ sở dữ liệu", "object_store": "kho lưu trữ tệp", "index": "chỉ mục tìm kiếm",
                 "queue": "hàng đợi xử lý"}


@router.get("/metrics", include_in_schema=False)
def prometheus_metrics(services: ServicesDep) -> Response:
    return Response(scrape(services), media_type=CONTENT_TYPE)


@router.get("/readyz")
def ready(services: ServicesDep) -> JSONResponse:
    """200 when the catalog, the object store, the index and the queue all answer; 503 naming
    the ones that do not."""
    checks = check_readiness(services)
    body = {"checks": {c.name: "ok" if c.ok else f"failed: {c.error}" for c in checks}}
    failed = [c.name for c in checks if not c.ok]
    if not failed:
        return JSONResponse({"status": "ready", **body})
    names = ", ".join(BACKEND_NAMES[n] for n in failed)
    return JSONResponse({"code": "not_ready", "message": f"Dịch vụ chưa sẵn sàng: không kết nối được {names}.",
                         "failed": failed, **body}, status_code=503)
