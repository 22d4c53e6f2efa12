"""Session-wide scale-out servers for tests (PostgreSQL, Redis, S3) and fresh spaces inside them.

The servers start once per session, on first use, from ``tests/services.py``; each test then gets
its own database, bucket or Redis database, so tests never see each other's rows or messages.
``tests/conftest.py`` re-exports the fixtures, so every test directory can ask for them.
"""
from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import psycopg
import pytest
import redis

from tests.servers import start_postgres, start_redis, start_s3_server

TEST_CATALOG = os.environ.get("SOHOA_TEST_CATALOG", "sqlite")
"""``postgresql`` runs every test that uses the ``settings`` fixture on a fresh PostgreSQL database."""


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """SQLAlchemy URL of the session's PostgreSQL server (its ``postgres`` database)."""
    with start_postgres() as service:
        yield service.url


@pytest.fixture(scope="session")
def redis_server() -> Iterator[str]:
    with start_redis() as service:
        yield service.url


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """http://127.0.0.1:PORT of a moto S3 server shared by the session."""
    with start_s3_server() as server:
        yield server.url


def _admin(server_url: str) -> psycopg.Connection:
    return psycopg.connect(server_url.replace("+psycopg", ""), autocommit=True)


def create_database(server_url: str) -> str:
    """A new, empty database on the server; returns its SQLAlchemy URL."""
    name = f"t_{uuid.uuid4().hex[:20]}"
    with _admin(server_url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def drop_database(url: str) -> None:
    server_url, name = url.rsplit("/", 1)
    with _admin(f"{server_url}/postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_database(pg_server: str) -> Iterator[str]:
    """URL of a fresh, empty PostgreSQL database, dropped after the test."""
    url = create_database(pg_server)
    yield url
    drop_database(url)


def s3_bucket_url(endpoint: str) -> str:
    """Storage URL of a fresh bucket (created by the store on first use)."""
    host = urlsplit(endpoint).netloc
    return f"s3://sohoa:secret@{host}/test-{uuid.uuid4().hex[:16]}?secure=false&region=us-east-1"


_redis_dbs = itertools.cycle(range(1, 16))


@pytest.fixture
def redis_url(redis_server: str) -> Iterator[str]:
    """An emptied Redis database of the session's server (db 0 is left to ad-hoc use)."""
    url = redis_server.rsplit("/", 1)[0] + f"/{next(_redis_dbs)}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()
