"""The in-process schedule (jobs due by what the catalog remembers) and the records schema."""
from __future__ import annotations

from datetime import timedelta

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect as sa_inspect

from catalog.db import MIGRATIONS, Database
from catalog.tables import import_all_tables
from core.clock import utcnow
from sohoa.scheduler import Scheduler, default_jobs


def test_due_jobs_run_once_and_wait_for_their_interval(client):
    services = client.app.state.services
    assert services.scheduler is not None  # the embedded default runs one
    jobs = {j.name: j for j in default_jobs(services)}
    assert set(jobs) == {"fixity", "retention_review", "audit_checkpoint"}  # no signing key: nothing to sign
    assert jobs["fixity"].every == timedelta(hours=24) and jobs["audit_checkpoint"].every == timedelta(hours=1)
    scheduler = Scheduler(services, list(jobs.values()), start_delay=0, on_start=None)
    assert scheduler.run_due() == ["fixity", "retention_review"]  # start-up wrote the first checkpoint
    assert scheduler.run_due() == []                                   # the catalog remembers the runs
    assert [j.name for j in scheduler.due(utcnow() + timedelta(hours=25))] == ["fixity", "retention_review",
                                                                               "audit_checkpoint"]


def test_a_failing_job_does_not_stop_the_others(client):
    from sohoa.scheduler import Job

    services = client.app.state.services
    ran = []

    def boom(_):
        raise RuntimeError("job failed")

    jobs = [Job("broken", timedelta(hours=1), boom, lambda _: None),
            Job("fine", timedelta(hours=1), lambda s: ran.append(s), lambda _: None)]
    assert Scheduler(services, jobs, start_delay=0, on_start=None).run_due() == ["fine"] and ran == [services]


def test_the_thread_starts_with_the_start_up_job_and_stops(client):
    import threading

    services = client.app.state.services
    started = threading.Event()
    scheduler = Scheduler(services, [], start_delay=3600, on_start=lambda s: started.set()).start()
    assert started.wait(5)
    scheduler.stop(timeout=5)
    assert not scheduler._thread.is_alive()


def test_the_migration_matches_the_models_and_downgrades(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    db.migrate()
    with db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), import_all_tables()) == []
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")
    tables = set(sa_inspect(db.engine).get_table_names())
    assert not tables & {"retention_rule", "legal_hold", "disposal_batch", "tombstone", "fixity_run"}
    db.migrate()
    assert {"retention_rule", "tombstone", "object_checksum"} <= set(sa_inspect(db.engine).get_table_names())
    db.dispose()


def test_with_a_portal_the_outbox_is_drained_at_every_tick_and_beat_sends_the_job(settings):
    from ingest.celery_queue import beat_schedule
    from tests.conftest import open_dossier, running_client
    from tests.portal_servers import PortalServer, serving

    assert "portal_sync" not in beat_schedule(settings)  # no portal: the records wait
    portal = PortalServer()
    with serving(portal) as url:
        with_portal = settings.model_copy(update={"portal_url": url})
        assert beat_schedule(with_portal)["portal_sync"]["schedule"] == timedelta(minutes=1)
        for client in running_client(with_portal):
            services = client.app.state.services
            jobs = {j.name: j for j in default_jobs(services)}
            open_dossier(client)
            scheduler = Scheduler(services, [jobs["portal_sync"]], start_delay=0, on_start=None)
            assert scheduler.run_due() == ["portal_sync"] and len(portal.stored) == 1
            open_dossier(client)
            assert scheduler.run_due() == ["portal_sync"] and len(portal.stored) == 2  # due again at once
