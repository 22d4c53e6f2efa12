"""The guard that stays: schemathesis generates requests over the whole OpenAPI, as an admin and
as a counter, against the app with its embedded defaults; no request may end in a server error,
and every status a route answers must be declared in its OpenAPI responses. Positive requests
follow the schema; negative ones break it on purpose (wrong types, missing or extra fields,
out-of-range values), which must end in a 4xx, never a 500."""
from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given
from hypothesis.errors import Unsatisfiable
from hypothesis import settings as hypothesis_settings
from schemathesis.generation import GenerationMode

from core.settings import Settings
from tests.conftest import PASSWORD, ROLES

EXAMPLES = int(os.environ.get("SOHOA_FUZZ_EXAMPLES", "12"))
"""Generated requests per operation and role; the run stays within a few minutes on 2 cores."""
NEGATIVE_EXAMPLES = int(os.environ.get("SOHOA_FUZZ_NEGATIVE_EXAMPLES", "6"))
FUZZ_ROLES = ("admin", "counter")


@pytest.fixture(scope="module")
def fuzz_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    """The app, and each fuzzing role's token taken before any fuzzing: the fuzzer's own sign-ins
    (POST /auth/token) use up the client's login attempts a minute, and a sign-in after them was
    refused (429) whenever the next test started within that minute."""
    from catalog.users import Role, create_user
    from sohoa.asgi import create_app

    settings = Settings(data_dir=tmp_path_factory.mktemp("fuzz") / "var", ocr_workers=1, document_workers=1,
                        max_upload_bytes=1024 * 1024, max_request_bytes=4 * 1024 * 1024, max_pages=5,
                        scheduler_start_delay_s=3600,
                        token_minutes=10 * 60)  # the tokens taken once last a deep run (SOHOA_FUZZ_EXAMPLES raised)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        with client.app.state.services.db.session() as s:
            for role in ROLES:
                create_user(s, f"{role}1", PASSWORD, Role(role), "PT01")
        yield client, {role: _headers(client, f"{role}1") for role in FUZZ_ROLES}


def _headers(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _send(client: TestClient, case, headers: dict[str, str]):
    kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
    request = {k: kwargs[k] for k in ("method", "url", "params", "headers", "cookies", "json", "files")
               if kwargs.get(k)}
    data = kwargs.get("data")
    if isinstance(data, (bytes, str)):
        request["content"] = data
    elif data is not None:
        request["data"] = data
    return client.request(**request)


def documented(declared: set[str], status: int) -> bool:
    """schemathesis' status-code conformance: the code itself, its class (4XX) or a default."""
    return str(status) in declared or f"{str(status)[0]}XX" in declared or "default" in declared


def fuzz(client: TestClient, role: str, headers: dict[str, str], mode: GenerationMode = GenerationMode.POSITIVE,
         examples: int = EXAMPLES) -> tuple[Counter, list[str]]:
    """Run every operation as `role` (its `headers`); return the status counts and the problems found
    (not stopping at the first)."""
    schema = schemathesis.openapi.from_dict(client.app.openapi())
    statuses: Counter = Counter()
    problems: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        declared = set(client.app.openapi()["paths"][operation.path][operation.method.lower()]["responses"])

        @hypothesis_settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                             suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case) -> None:
            response = _send(client, case, headers)
            statuses[response.status_code] += 1
            label = f"{role} {operation.method.upper()} {operation.path} -> {response.status_code}"
            if response.status_code >= 500:
                problems.append(f"{label}: server error {response.text[:200]}")
                return
            if not documented(declared, response.status_code):
                problems.append(f"{label}: status not declared in the OpenAPI (declared: {sorted(declared)})")

        try:
            run()
        except Unsatisfiable:  # negative mode: an operation without parameters or body has nothing to break
            if mode is GenerationMode.POSITIVE:
                raise
    return statuses, problems


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("role", FUZZ_ROLES)
def test_no_server_errors_and_every_status_documented(fuzz_client, role):
    client, tokens = fuzz_client
    statuses, problems = fuzz(client, role, tokens[role])
    total = sum(statuses.values())
    server_errors = sum(n for s, n in statuses.items() if s >= 500)
    print(f"\nschemathesis as {role}: {total} requests, {server_errors} server errors, statuses {dict(statuses)}")
    assert total > 100
    unique = sorted(set(problems))
    assert not unique, f"{len(problems)} findings ({server_errors} server errors):\n" + "\n".join(unique[:60])


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_requests_that_break_the_schema_get_a_4xx(fuzz_client):
    client, tokens = fuzz_client
    statuses, problems = fuzz(client, "admin", tokens["admin"], GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES)
    total = sum(statuses.values())
    print(f"\nschemathesis negative as admin: {total} requests, statuses {dict(statuses)}")
    assert total > 100
    unique = sorted(set(problems))
    assert not unique, f"{len(problems)} findings:\n" + "\n".join(unique[:60])
