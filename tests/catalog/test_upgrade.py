"""Upgrading a catalog the previous release made, with data in it, to this code's migrations: the
data is all there afterwards and the schema is the one a new catalog gets. Written against
whatever migrations exist: bump PREVIOUS_RELEASE at each release."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import select

from catalog.db import MIGRATIONS, Database, make_engine
from catalog.models import Document, Owner, Page
from tests.backends import create_database, drop_database

PREVIOUS_RELEASE = "0005_reuse"
"""The head the last release shipped with."""

OWNER_ID = "001203004567"


def upgrade_to(engine: sa.Engine, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def filler(column: sa.Column) -> object:
    """A value for a required column the test does not care about, by its type."""
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.Integer):
        return 0
    if isinstance(kind, (sa.Float, sa.Numeric)):
        return 0.0
    if isinstance(kind, sa.DateTime):
        return datetime(2025, 3, 10, 8, 30, tzinfo=UTC)
    if isinstance(kind, sa.Date):
        return datetime(2025, 3, 10).date()
    if isinstance(kind, sa.JSON):
        return {}
    length = getattr(kind, "length", None) or 16
    return "x" * min(length, 8)


def insert(conn: sa.Connection, table: sa.Table, **values: object) -> None:
    """Insert a row with ``values``, filling the other required columns (the schema of an old
    release is read back from the database, not taken from today's models)."""
    for column in table.columns:
        if column.name in values or column.nullable or column.server_default is not None:
            continue
        if column.primary_key and isinstance(column.type, sa.Integer):
            continue
        values[column.name] = filler(column)
    conn.execute(table.insert().values(**values))


def schema(engine: sa.Engine) -> dict[str, tuple]:
    inspector = sa.inspect(engine)
    return {name: (sorted((c["name"], c["nullable"]) for c in inspector.get_columns(name)),
                   sorted(i["name"] for i in inspector.get_indexes(name) if i.get("name")))
            for name in inspector.get_table_names()}


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog_urls(request, tmp_path):
    """Two empty catalogs of one kind: one to upgrade, one made new at head."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.sqlite3'}", f"sqlite:///{tmp_path / 'new.sqlite3'}"
        return
    server = request.getfixturevalue("pg_server")
    urls = create_database(server), create_database(server)
    yield urls
    for url in urls:
        drop_database(url)


def test_a_previous_release_catalog_upgrades_with_its_data(catalog_urls):
    old_url, new_url = catalog_urls
    engine = make_engine(old_url)
    try:
        upgrade_to(engine, PREVIOUS_RELEASE)
        tables = sa.MetaData()
        tables.reflect(engine)
        document_id = uuid.uuid4().hex
        with engine.begin() as conn:
            insert(conn, tables.tables["owner"], personal_id=OWNER_ID, full_name="Nguyễn Văn Đức")
            owner_pk = conn.execute(select(tables.tables["owner"].c.id)).scalar_one()
            insert(conn, tables.tables["document"], id=document_id, sha256="ab" * 32, media_type="image/png",
                   filename="giay-khai-sinh.png", size=1234, owner_id=owner_pk, status="ready", page_count=1,
                   pages_done=1, attempts=1, mean_confidence=91.5)
            insert(conn, tables.tables["page"], document_id=document_id, number=1, text="GIẤY KHAI SINH",
                   confidence=91.5, source="ocr")
    finally:
        engine.dispose()

    db = Database(old_url)
    try:
        db.migrate()  # what every process does at start-up: to this code's heads
        with db.session() as s:
            document = s.get(Document, document_id)
            assert (document.filename, document.size, document.status, document.mean_confidence) == \
                ("giay-khai-sinh.png", 1234, "ready", 91.5)
            assert document.owner.personal_id == OWNER_ID and document.owner.full_name == "Nguyễn Văn Đức"
            pages = s.scalars(select(Page).where(Page.document_id == document_id))
            assert [p.text for p in pages] == ["GIẤY KHAI SINH"]
            assert s.scalar(select(sa.func.count()).select_from(Owner)) == 1
        upgraded = schema(db.engine)
    finally:
        db.dispose()
    fresh = Database(new_url)
    try:
        fresh.migrate()
        assert upgraded == schema(fresh.engine), "an upgraded catalog has the schema of a new one"
    finally:
        fresh.dispose()
