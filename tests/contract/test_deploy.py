"""docker-compose.yml, the Dockerfile and deploy/sohoa.env.example checked without a Docker engine:
the compose file is parsed and interpolated from the example env file the way ``docker compose
--env-file`` does, and what the app containers get must select the scale-out backends."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from sqlalchemy.engine import make_url

from core.settings import Settings
from ingest.celery_queue import CeleryQueue
from ingest.queue import open_queue
from sohoa.cli import main as cli
from storage.s3 import S3Config

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yml"
ENV_EXAMPLE = REPO / "deploy" / "sohoa.env.example"
START = "docker compose --env-file deploy/sohoa.env up -d --build"
APP = {"api", "worker", "beat"}
DATA = {"postgres", "redis", "minio", "opensearch"}
VARIABLE = re.compile(r"\$\$|\$\{(\w+)(?:(:?[-?])([^}]*))?\}")


def env_example() -> dict[str, str]:
    pairs = (line.split("=", 1) for line in ENV_EXAMPLE.read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#"))
    return {k.strip(): v.strip() for k, v in pairs}


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's ``${VAR}``, ``${VAR:-default}``, ``${VAR:?error}`` and ``$$`` (a literal $)."""
    def one(m: re.Match) -> str:
        name, op, arg = m.groups()
        if name is None:
            return "$"
        if name in env and (env[name] or not op or not op.startswith(":")):
            return env[name]
        if op and op.endswith("?"):
            raise AssertionError(f"compose needs {name}: {arg}")
        return arg or ""
    return VARIABLE.sub(one, text)


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(interpolate(COMPOSE.read_text(), env_example()))


def test_every_variable_is_in_the_example_env_file_and_secrets_are_required():
    text, env = COMPOSE.read_text(), env_example()
    used = {m.group(1): m.group(2) for m in VARIABLE.finditer(text) if m.group(1)}
    assert set(used) == set(env), "compose variables and deploy/sohoa.env.example must match"
    for secret in ("SOHOA_SECRET_KEY", "POSTGRES_PASSWORD", "REDIS_PASSWORD", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"):
        assert used[secret] == ":?", f"{secret} must be required, never defaulted"
    with pytest.raises(AssertionError, match="POSTGRES_PASSWORD"):
        interpolate(text, {k: v for k, v in env.items() if k != "POSTGRES_PASSWORD"})


def test_services_images_health_checks_and_volumes(compose):
    services = compose["services"]
    assert set(services) == APP | DATA
    for name, service in services.items():
        check = service.get("healthcheck", {})
        assert check.get("test") and check.get("interval"), f"{name} has no health check"
        assert service.get("restart") == "unless-stopped"
    for name in DATA:
        image = services[name]["image"]
        tag = image.rsplit(":", 1)[1]
        assert re.fullmatch(r"\d+\.\d+(\.\d+)?(-[a-z]+)?|RELEASE\.\d{4}-\d\d-\d\dT[\d-]+Z", tag), f"{name}: pin {image}"
    for name in APP:
        assert services[name]["build"] == "." and services[name]["image"] == "sohoa:0.1.0"
        assert {d: c["condition"] for d, c in services[name]["depends_on"].items()} == dict.fromkeys(DATA, "service_healthy")
    declared = set(compose["volumes"])
    mounted = {v.split(":", 1)[0] for s in services.values() for v in s.get("volumes", [])}
    assert mounted == declared, "only named volumes, each one used"
    assert {n for n, s in services.items() if s.get("volumes")} == APP | DATA


def test_only_the_api_is_reachable_from_outside(compose):
    services = compose["services"]
    assert {n for n, s in services.items() if s.get("ports")} == {"api"}
    assert services["api"]["ports"] == ["127.0.0.1:8000:8000"]
    assert compose["networks"]["backend"]["internal"] is True
    assert all(s["networks"] == ["backend"] for n, s in services.items() if n != "api")
    search = services["opensearch"]["environment"]
    assert search["discovery.type"] == "single-node" and search["DISABLE_SECURITY_PLUGIN"] == "true"
    redis = " ".join(services["redis"]["command"])
    assert "--requirepass" in redis and "--appendonly yes" in redis


def test_app_containers_choose_the_scaleout_backends(compose):
    env = compose["services"]["worker"]["environment"]
    settings = Settings(**{k.removeprefix("SOHOA_").lower(): v for k, v in env.items()})
    assert make_url(settings.database_url).drivername == "postgresql+psycopg"
    assert make_url(settings.database_url).host == "postgres"
    s3 = S3Config.from_url(settings.storage_url)
    assert (s3.endpoint, s3.bucket, s3.secure) == ("minio:9000", "sohoa", False)
    assert urlsplit(settings.search_url)[:3] == ("opensearch+http", "opensearch:9200", "/sohoa-documents")
    queue = open_queue(settings, lambda _id: None)
    try:
        assert isinstance(queue, CeleryQueue)  # constructed without connecting
        assert queue.app.conf.broker_url == "redis://:change-me@redis:6379/0"
    finally:
        queue.close()
    env_of = {n: compose["services"][n]["environment"] for n in APP}
    assert env_of["api"] == env_of["worker"] == env_of["beat"], "one configuration for every app process"


def test_compose_runs_the_opensearch_the_tests_run():
    pom = (REPO / "tests" / "opensearch_node" / "pom.xml").read_text()
    tested = re.search(r"<opensearch.version>([\d.]+)</opensearch.version>", pom).group(1)
    image = yaml.safe_load(COMPOSE.read_text())["services"]["opensearch"]["image"]
    assert image == f"opensearchproject/opensearch:{tested}"


def test_commands_and_health_checks_are_real_cli_commands(compose):
    services = compose["services"]
    assert services["api"]["command"][:2] == ["sohoa", "serve"]
    assert services["worker"]["command"] == ["sohoa", "worker"]
    assert services["beat"]["command"] == ["sohoa", "beat"]
    assert services["worker"]["healthcheck"]["test"] == ["CMD", "sohoa", "ping", "worker"]
    assert services["beat"]["healthcheck"]["test"] == ["CMD", "sohoa", "ping", "beat"]
    assert {"serve", "worker", "beat", "ping", "reindex"} <= set(cli.commands)
    assert "healthz" in " ".join(services["api"]["healthcheck"]["test"])


def test_dockerfile_is_debian_slim_with_vietnamese_tesseract_and_no_root():
    dockerfile = (REPO / "Dockerfile").read_text()
    base = re.search(r"^FROM (\S+)", dockerfile, re.M).group(1)
    assert re.fullmatch(r"python:\d+\.\d+\.\d+-slim-bookworm", base)
    assert re.search(r"apt-get install[^\n]*\\\n\s+tesseract-ocr tesseract-ocr-vie", dockerfile)
    assert re.search(r"^USER sohoa$", dockerfile, re.M)
    for package in ("api", "catalog", "ingest", "ocr", "search", "sohoa", "storage"):
        assert f"COPY {package} ./{package}" in dockerfile
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {".git", ".venv", "var", "deploy/*.env"} <= set(ignored), "no history, venv, data or secrets in the image"


def test_readme_and_env_file_give_the_same_one_line_start():
    readme = (REPO / "README.md").read_text()
    production = readme.split("## Production", 1)[1]
    assert START in production and START in ENV_EXAMPLE.read_text() and START in COMPOSE.read_text()
