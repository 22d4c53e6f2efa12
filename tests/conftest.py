"""Shared fixtures: settings on a private data directory, a running app, waiting for documents."""
from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from core.settings import Settings
from tests.backends import TEST_CATALOG, pg_database, pg_server, redis_server, redis_url, s3_endpoint  # noqa: F401

pytest_plugins = ["tests.archive", "tests.queues", "tests.stores"]  # fixtures shared across the packages' tests

PROCEDURE = "1.000456"  # a procedure of the shipped sample catalog
OWNER_ID = "001203004567"


@pytest.fixture
def settings(tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """Embedded defaults; SOHOA_TEST_CATALOG=postgresql puts the catalog on a fresh PostgreSQL database."""
    database_url = request.getfixturevalue("pg_database") if TEST_CATALOG == "postgresql" else ""
    return Settings(data_dir=tmp_path / "var", database_url=database_url, ocr_workers=2, document_workers=2,
                    max_upload_bytes=5 * 1024 * 1024, max_request_bytes=12 * 1024 * 1024, max_pages=20,
                    retry_delay_s=0.2)


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 at its production cost takes ~0.2 s a hash on these machines, and every test creates
    five users and logs some in: cheap parameters keep the suite fast (same code path)."""
    from argon2 import PasswordHasher

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr("catalog.users._hasher", cheap)


PASSWORD = "mat-khau-thu-nghiem"
ROLES = ("counter", "handler", "archivist", "admin")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """A running app with one user per role (``<role>1`` in office ``PT01``); it acts as counter."""
    yield from running_client(settings)


def running_client(settings: Settings) -> Iterator[TestClient]:
    """The ``client`` fixture's body, for fixtures running the app on other settings."""
    from catalog.users import Role, create_user
    from sohoa.asgi import create_app

    with TestClient(create_app(settings)) as c:
        with c.app.state.services.db.session() as s:
            for role in ROLES:
                create_user(s, f"{role}1", PASSWORD, Role(role), "PT01")
            create_user(s, "handler2", PASSWORD, Role.handler, "PT02")
        c.headers["Authorization"] = auth_header(c, "counter1")["Authorization"]
        yield c


def auth_header(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def open_dossier(client: TestClient, owner: str = OWNER_ID, procedure: str = PROCEDURE, **owner_fields) -> dict:
    r = client.post("/api/v1/dossiers", json={"procedure_code": procedure, "channel": "counter",
                                              "owner": {"personal_id": owner, **owner_fields}})
    assert r.status_code == 201, r.text
    return r.json()


def wait_document(client: TestClient, document_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(f"/api/v1/documents/{document_id}").json()
        if body["status"] in ("ready", "failed"):
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"document {document_id} still {body['status']} after {timeout}s")
        time.sleep(0.2)
