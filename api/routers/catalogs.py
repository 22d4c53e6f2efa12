"""Admin API for the code catalogs (archivists): list versions, export, import with dry-run,
and the document-type classifier's models. Imports are all-or-nothing with a row-by-row report."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, File, Form, UploadFile
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from api.auth import require
from api.coding_schemas import CatalogVersionOut, ImportReportOut
from api.deps import ServicesDep, SessionDep
from catalog import catalogs, classifier
from catalog.audit import Actor, record
from catalog.coding import ClassifierModel
from catalog.users import Role
from core.errors import Invalid, NotFound, TooLarge

router = APIRouter(prefix="/api/v1/admin", tags=["admin: catalogs"])

Archivist = Annotated[Actor, require(Role.archivist)]
MAX_CSV_BYTES = 5 * 1024 * 1024


def _version_out(version, in_force_id: int | None) -> CatalogVersionOut:
    return CatalogVersionOut(id=version.id, label=version.label, effective_from=version.effective_from,
                             sample=version.sample, in_force=version.id == in_force_id, title=version.title,
                             note=version.note, source=version.source, checksum=version.checksum,
                             created_at=version.created_at, created_by=version.created_by)


@router.get("/catalogs", response_model=list[CatalogVersionOut])
def list_versions(actor: Archivist, session: SessionDep) -> list[CatalogVersionOut]:
    in_force = catalogs.active_version_id(session)
    return [_version_out(v, in_force) for v in catalogs.list_versions(session)]


@router.get("/catalogs/{label}.json")
def export_json(label: str, actor: Archivist, session: SessionDep) -> JSONResponse:
    """The whole catalog version as one JSON bundle (``current`` = the version in force)."""
    version = catalogs.find_version(session, None if label == "current" else label)
    body = catalogs.stored_bundle(session, version.id).canonical()
    return JSONResponse(body, headers={"Content-Disposition": f'attachment; filename="catalog-{version.label}.json"'})


@router.get("/catalogs/{label}/{table}.csv", response_class=PlainTextResponse)
def export_csv(label: str, table: str, actor: Archivist, session: SessionDep) -> PlainTextResponse:
    """One table of a catalog version as CSV (lists joined with ``|``)."""
    if table not in catalogs.TABLES:
        raise NotFound("unknown_catalog_table", f"Không có bảng danh mục '{table}'.")
    version = catalogs.find_version(session, None if label == "current" else label)
    rows = catalogs.stored_bundle(session, version.id).tables[table]
    return PlainTextResponse(catalogs.write_csv(table, rows), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{table}-{version.label}.csv"'})


def _finish_import(session, actor: Actor, bundle: catalogs.Bundle, problems: list[catalogs.Problem],
                   source: str, dry_run: bool) -> dict[str, Any]:
    report = catalogs.import_bundle(session, bundle, problems=problems, source=source,
                                    created_by=actor.username, dry_run=dry_run)
    if report.version_id is not None:
        record(session, actor, "catalog.import", "catalog_version", str(report.version_id), None,
               label=bundle.label, source=source, effective_from=bundle.effective_from.isoformat(),
               summary=report.to_json()["summary"])
    return report.to_json()


@router.post("/catalogs", response_model=ImportReportOut,
             responses={422: {"description": "Refused whole; the body carries the report"}})
def import_json(actor: Archivist, session: SessionDep, bundle: Annotated[dict[str, Any], Body()],
                dry_run: bool = False) -> dict[str, Any]:
    """Import a whole catalog (the JSON export's shape) as a new version; ``dry_run`` lists every
    change and every invalid row without writing anything."""
    parsed, problems = catalogs.bundle_from_json(bundle)
    return _finish_import(session, actor, parsed, problems, "import:json", dry_run)


@router.post("/catalogs/{table}.csv", response_model=ImportReportOut,
             responses={422: {"description": "Refused whole; the body carries the report"}})
async def import_csv(
    table: str, actor: Archivist, services: ServicesDep,
    file: Annotated[UploadFile, File(description="CSV (UTF-8) with the table's header row")],
    version: Annotated[str, Form(max_length=64, description="Label of the new catalog version")],
    effective_from: Annotated[date | None, Form()] = None,
    dry_run: Annotated[bool, Form()] = False,
) -> dict[str, Any]:
    """Replace one table of the catalog in force by a CSV, as a new version."""
    data = await file.read(MAX_CSV_BYTES + 1)
    if len(data) > MAX_CSV_BYTES:
        raise TooLarge("csv_too_large", "Tệp CSV quá lớn (tối đa 5 MB).")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid("csv_not_utf8", "Tệp CSV phải mã hoá UTF-8.") from None

    def _import() -> dict[str, Any]:
        rows, problems = catalogs.read_csv(table, text)
        with services.db.session() as s:
            base = catalogs.stored_bundle(s, catalogs.find_version(s, None).id)
            bundle = catalogs.replace_table(base, table, rows, version, effective_from or catalogs.today_local())
            return _finish_import(s, actor, bundle, problems, f"import:csv:{table}", dry_run)

    return await run_in_threadpool(_import)


@router.get("/classifier")
def classifier_models(actor: Archivist, session: SessionDep) -> dict[str, Any]:
    """Stored document-type models, newest first, and corrections waiting for the next one."""
    catalog = catalogs.active_catalog(session)
    rows = session.scalars(select(ClassifierModel).order_by(ClassifierModel.id.desc()).limit(20))
    return {"catalog_version": catalog.label,
            "corrections_since_model": classifier.corrections_since_model(session, catalog.version_id),
            "models": [{"id": r.id, "created_at": r.created_at, "catalog_version_id": r.catalog_version_id,
                        "samples": r.samples, "confirmed_documents": r.confirmed_documents,
                        "library_version": r.library_version, "sha256": r.sha256, "created_by": r.created_by}
                       for r in rows]}


@router.post("/classifier/train")
async def train_classifier(actor: Archivist, services: ServicesDep) -> dict[str, Any]:
    """Train a new model now from the catalog in force and every confirmed document."""
    row = await run_in_threadpool(classifier.retrain, services.db, services.store, created_by=actor.username)
    with services.db.session() as s:
        record(s, actor, "classifier.train", "classifier_model", str(row.id), None)
    return {"id": row.id, "samples": row.samples, "confirmed_documents": row.confirmed_documents}
