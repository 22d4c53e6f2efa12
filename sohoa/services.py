"""The running system's parts, built from settings. This is the one place where each backend is
chosen: every ``open_*`` factory below picks its implementation from the URL's scheme."""
from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

from PIL import Image

from catalog.audit_chain import derive_key
from catalog.catalogs import open_database
from catalog.db import Database
from core.settings import Settings
from ingest import pipeline, recovery
from ingest.national_store import open_national_store
from ingest.portal import open_portal_client
from ingest.queue import open_queue
from ingest.services import Services
from ocr import PagePool
from records.audit_anchor import ensure_anchored
from records.keys import open_signing_key
from records.retention import seed_rules
from search import open_index
from storage import open_storage

log = logging.getLogger(__name__)


def open_catalog(url: str) -> Database:
    """Connect to the catalog, migrate it and seed its reference data, one process at a time
    (API replicas and workers may start together on one catalog)."""
    db = open_database(url)  # migrated, with a code catalog in force
    with db.startup_lock(), db.session() as s:
        seed_rules(s)
    return db


STALE_TEMP_S = 6 * 3600


def remove_stale_temp(tmp_dir: Path, older_than: float = STALE_TEMP_S) -> None:
    """Remove what killed processes left in ``tmp_dir``. Only old entries: another process on the
    same data directory (the server while ``sohoa reindex`` starts) may be using newer ones."""
    tmp_dir.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - older_than
    for entry in tmp_dir.iterdir():
        try:
            if entry.lstat().st_mtime > cutoff:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
        except FileNotFoundError:
            continue


def build_services(settings: Settings, *, start_workers: bool = True, rebuild_index: bool = False) -> Services:
    """Open every backend, migrate the catalog, recover interrupted work, start the workers.

    A search index of an older schema stops the start (search.OutdatedIndex, naming ``sohoa
    reindex``) unless ``rebuild_index``: then it is replaced by an empty one, as the reindex does."""
    data_dir = settings.data_dir
    os.umask(0o077)  # the catalog, objects, index and keys hold personal data: owner-only files
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    data_dir.chmod(0o700)
    Image.MAX_IMAGE_PIXELS = settings.max_image_pixels
    db = open_catalog(settings.resolved_database_url())
    services = Services(
        settings=settings,
        db=db,
        store=open_storage(settings.storage_url, default_dir=data_dir / "objects"),
        index=open_index(settings.search_url, default_dir=data_dir / "index", rebuild=rebuild_index),
        pool=PagePool(settings.ocr_workers, lang=settings.ocr_lang, dpi=settings.ocr_dpi,
                      max_image_pixels=settings.max_image_pixels),
        secret_key=settings.resolved_secret_key(),
        signing_key=open_signing_key(settings),
        portal=open_portal_client(settings.portal_url, token=settings.portal_token.get_secret_value(),
                                  timeout=settings.portal_timeout_s),
        national_store=open_national_store(settings.national_store_url, token=settings.portal_token.get_secret_value(),
                                           timeout=settings.national_store_timeout_s),
    )
    db.audit_key = derive_key(services.secret_key)
    ensure_anchored(services)  # an upgraded log gets its first checkpoint at once
    remove_stale_temp(services.tmp_dir)
    services.store.cleanup_temp()
    services.queue = open_queue(settings, lambda doc_id: pipeline.process(services, doc_id))
    requeue = recovery.recover(services)
    if start_workers and (requeued := services.queue.requeue(requeue)):
        log.info("re-queued %d unfinished documents", len(requeued))
    if start_workers and not settings.broker_url:  # with a broker, Celery beat runs the same jobs
        from sohoa.scheduler import start_scheduler

        services.scheduler = start_scheduler(services)
    return services
