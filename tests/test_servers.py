"""tests/servers.py: each throwaway service starts, answers its client, and stops clean."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
import redis
from minio import Minio

from tests import servers
from tests.servers import ServiceUnavailable, start_postgres, start_redis, start_s3_server


def assert_stopped(url: str) -> None:
    port = urlsplit(url).port
    assert not servers.port_open(port)


def test_s3_server():
    url, stop = start_s3_server()
    client = Minio(urlsplit(url).netloc, access_key="k", secret_key="s", secure=False)
    client.make_bucket("probe")
    assert [b.name for b in client.list_buckets()] == ["probe"]
    stop()
    stop()  # idempotent
    assert_stopped(url)


def test_postgres():
    with start_postgres() as pg:
        assert pg.url.startswith("postgresql+psycopg://")
        with psycopg.connect(pg.url.replace("+psycopg", "")) as conn:
            version = conn.execute("show server_version").fetchone()[0]
            encoding = conn.execute("show server_encoding").fetchone()[0]
        assert version.split(".")[0] == servers.PG_BINDIR.parent.name and encoding == "UTF8"
    assert_stopped(pg.url)


def test_redis():
    with start_redis() as service:
        client = redis.Redis.from_url(service.url)
        client.set("hồ sơ", "đã nhận")
        assert client.get("hồ sơ").decode() == "đã nhận"
        client.close()
    assert_stopped(service.url)


def test_workdirs_are_removed(monkeypatch):
    made = []
    real_make_workdir = servers.make_workdir

    def make_workdir(*args):
        made.append(real_make_workdir(*args))
        return made[-1]

    monkeypatch.setattr(servers, "make_workdir", make_workdir)
    for start in (start_s3_server, start_redis, start_postgres):
        start().stop()
    assert len(made) == 3 and not any(path.exists() for path in made)


def test_missing_binary_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(servers, "REDIS_SERVER", Path("/nonexistent/redis-server"))
    with pytest.raises(ServiceUnavailable, match="redis-server"):
        start_redis()
    monkeypatch.setattr(servers, "PG_BINDIR", Path("/nonexistent/pg/bin"))
    with pytest.raises(ServiceUnavailable, match="Debian package postgresql"):
        start_postgres()


def test_crashing_service_reports_its_log(monkeypatch, tmp_path):
    fake = tmp_path / "redis-server"
    fake.write_text("#!/bin/sh\necho 'boom: bad config' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setattr(servers, "REDIS_SERVER", fake)
    with pytest.raises(ServiceUnavailable, match="boom: bad config"):
        start_redis()
