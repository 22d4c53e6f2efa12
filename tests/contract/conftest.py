"""Backend contract fixtures: every catalog test runs on SQLite and on PostgreSQL, each on a fresh
database (PostgreSQL: one server for the session, started by tests/servers.py)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from catalog.db import Database
from sohoa.services import open_catalog
from tests.scaleout import scaleout_stack  # noqa: F401  (fixture)


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of a fresh, empty catalog database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalog.sqlite3'}"
    return request.getfixturevalue("pg_database")


@pytest.fixture
def db(catalog_url: str) -> Iterator[Database]:
    database = open_catalog(catalog_url)
    yield database
    database.dispose()
