"""Backend contract fixtures: every catalog test runs on SQLite and on PostgreSQL, each on a fresh
database (the `catalog_url` fixture of tests/stores.py)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from catalog.db import Database
from sohoa.services import open_catalog
from tests.scaleout import scaleout_stack  # noqa: F401  (fixture)


@pytest.fixture
def db(catalog_url: str) -> Iterator[Database]:
    database = open_catalog(catalog_url)
    yield database
    database.dispose()
