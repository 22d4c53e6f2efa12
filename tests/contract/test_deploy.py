"""docker-compose.yml, the Dockerfile and deploy/sohoa.env.example checked without a Docker engine:
the compose file is parsed and interpolated from the example env file the way ``docker compose
--env-file`` does, and what the app containers get must select the scale-out backends."""
from __future__ import annotations

import json
import re
import subprocess
import tomllib
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
MONITORING = {"prometheus", "grafana"}
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
    for secret in ("SOHOA_SECRET_KEY", "POSTGRES_PASSWORD", "REDIS_PASSWORD", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD",
                   "GRAFANA_ADMIN_PASSWORD"):
        assert used[secret] == ":?", f"{secret} must be required, never defaulted"
    with pytest.raises(AssertionError, match="POSTGRES_PASSWORD"):
        interpolate(text, {k: v for k, v in env.items() if k != "POSTGRES_PASSWORD"})


def test_services_images_health_checks_and_volumes(compose):
    services = compose["services"]
    assert set(services) == APP | DATA | MONITORING
    for name, service in services.items():
        check = service.get("healthcheck", {})
        assert check.get("test") and check.get("interval"), f"{name} has no health check"
        assert service.get("restart") == "unless-stopped"
    for name in DATA | MONITORING:
        image = services[name]["image"]
        tag = image.rsplit(":", 1)[1]
        pinned = r"v?\d+\.\d+(\.\d+)?(-[a-z]+)?|RELEASE\.\d{4}-\d\d-\d\dT[\d-]+Z"
        assert re.fullmatch(pinned, tag), f"{name}: pin {image}"
    for name in APP:
        assert services[name]["build"] == "." and services[name]["image"] == "sohoa:0.1.0"
        assert {d: c["condition"] for d, c in services[name]["depends_on"].items()} == dict.fromkeys(DATA, "service_healthy")
    declared = set(compose["volumes"])
    mounted = {v.split(":", 1)[0] for s in services.values() for v in s.get("volumes", []) if isinstance(v, str)}
    assert mounted == declared, "only named volumes (besides the signing folders), each one used"
    assert {n for n, s in services.items() if s.get("volumes")} == APP | DATA | MONITORING


def test_only_the_api_is_reachable_from_outside(compose):
    services = compose["services"]
    assert {n for n, s in services.items() if s.get("ports")} == {"api", "grafana"}
    assert services["api"]["ports"] == ["127.0.0.1:8000:8000"]
    assert services["grafana"]["ports"] == ["127.0.0.1:3000:3000"]
    assert compose["networks"]["backend"]["internal"] is True
    assert services["grafana"]["networks"] == ["backend", "edge"]
    assert services["worker"]["networks"] == ["backend", "egress"]  # the CA's TSA and OCSP, nothing published
    assert compose["networks"]["egress"] == {}
    assert all(s["networks"] == ["backend"] for n, s in services.items() if n not in ("api", "grafana", "worker"))
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


SIGNING = {"signing_pkcs12", "signing_passphrase_file", "signing_pkcs11_module", "signing_pkcs11_token",
           "signing_pkcs11_key", "signing_pkcs11_pin_file", "trust_dir", "tsa_url", "signature_stamp"}


def test_every_app_variable_is_a_real_setting_and_signing_is_configurable(compose):
    env = compose["services"]["api"]["environment"]
    fields = set(Settings.model_fields)
    named = {k.removeprefix("SOHOA_").lower() for k in env if k.startswith("SOHOA_")}
    assert named <= fields, f"not settings (a typo is silently ignored): {named - fields}"
    assert SIGNING <= named, f"signing settings missing from the compose file: {SIGNING - named}"
    assert not {"signing_passphrase", "signing_pkcs11_pin"} & named, "secrets come from a secret file, not a variable"
    settings = Settings(**{k.removeprefix("SOHOA_").lower(): v for k, v in env.items()})
    assert settings.signing_pkcs12 is None and settings.signing_pkcs11_module == ""  # unset in the example: no key
    assert settings.signature_stamp is False and settings.tsa_url == ""


def test_keys_and_trust_folders_are_mounted_read_only_and_the_secret_stays_out_of_git(compose):
    env = compose["services"]["api"]["environment"]
    assert not [v for v in compose["services"]["beat"]["volumes"] if isinstance(v, dict)]  # beat only sends tasks
    assert "secrets" not in compose["services"]["beat"]
    for name in ("api", "worker"):
        service = compose["services"][name]
        binds = {v["target"]: v for v in service["volumes"] if isinstance(v, dict)}
        assert set(binds) == {"/run/sohoa/keys", "/run/sohoa/trust"}, name
        assert all(v["type"] == "bind" and v["read_only"] is True for v in binds.values()), name
        assert service["secrets"] == ["signing-secret"]
    assert env["SOHOA_TRUST_DIR"] == "/run/sohoa/trust"
    assert env["SOHOA_SIGNING_PASSPHRASE_FILE"] == env["SOHOA_SIGNING_PKCS11_PIN_FILE"] == "/run/secrets/signing-secret"
    sources = {v["source"] for v in compose["services"]["api"]["volumes"] if isinstance(v, dict)}
    secret = compose["secrets"]["signing-secret"]["file"]
    assert sources == {"./deploy/keys", "./deploy/trust"} and secret == "./deploy/secrets/signing-secret"
    for path in (*sources, secret):
        inside = f"{path.removeprefix('./')}/agency.p12" if path in sources else path.removeprefix("./")
        ignored = subprocess.run(["git", "check-ignore", "-q", inside], cwd=REPO)
        assert ignored.returncode == 0, f"{inside} would be committed"
        assert any(inside.startswith(entry) for entry in (REPO / ".dockerignore").read_text().split()), \
            f"{inside} would go into the image"


def test_the_deployment_guide_names_real_commands_and_settings():
    from sohoa.keys_cli import keys
    from sohoa.sign_cli import sign

    guide = (REPO / "deploy" / "README.md").read_text().split("## Signing key", 1)[1].split("\n## ", 1)[0]
    for command in re.findall(r"sohoa (keys|sign) ([\w-]+)", guide):
        group = {"keys": keys, "sign": sign}[command[0]]
        assert command[1] in group.commands, f"deploy/README.md names sohoa {' '.join(command)}"
    assert {"check", "show"} <= {c for g, c in re.findall(r"sohoa (keys) ([\w-]+)", guide)}
    for variable in re.findall(r"\bSOHOA_[A-Z0-9_]+", guide):
        assert variable in env_example() or variable.removeprefix("SOHOA_").lower() in Settings.model_fields, variable


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
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    for pattern in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]:
        package = pattern.rstrip("*")
        assert f"COPY {package} ./{package}" in dockerfile, f"the image lacks the {package} package"
    assert re.search(r"^COPY pyproject.toml setup.py ", dockerfile, re.M), "the image builds the compiled module"
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {".git", ".venv", "var", "deploy/*.env"} <= set(ignored), "no history, venv, data or secrets in the image"


def test_readme_and_env_file_give_the_same_one_line_start():
    readme = (REPO / "README.md").read_text()
    production = readme.split("## Production", 1)[1]
    assert START in production and START in ENV_EXAMPLE.read_text() and START in COMPOSE.read_text()


# ---------------------------------------------------------------- monitoring

def test_prometheus_scrapes_the_api_and_every_worker_and_grafana_is_provisioned(compose):
    configs = compose["configs"]
    for name, config in configs.items():
        assert (REPO / config["file"]).is_file(), f"config {name}: {config['file']} missing"
    mounted = {c["source"] for s in compose["services"].values() for c in s.get("configs", [])}
    assert mounted == set(configs)
    prometheus = yaml.safe_load((REPO / configs["prometheus-config"]["file"]).read_text())
    jobs = {job["job_name"]: job for job in prometheus["scrape_configs"]}
    assert jobs["sohoa-api"]["static_configs"][0]["targets"] == ["api:8000"]
    assert jobs["sohoa-api"]["metrics_path"] == "/metrics"
    worker_env = compose["services"]["worker"]["environment"]
    [dns] = jobs["sohoa-worker"]["dns_sd_configs"]
    assert dns["names"] == ["worker"] and dns["port"] == int(worker_env["SOHOA_METRICS_PORT"])
    assert worker_env["SOHOA_METRICS_BIND"] == "0.0.0.0"
    assert prometheus["rule_files"] == ["/etc/prometheus/alerts.yml"]
    targets = {c["source"]: c["target"] for c in compose["services"]["prometheus"]["configs"]}
    assert targets["prometheus-alerts"] == "/etc/prometheus/alerts.yml"
    datasource = yaml.safe_load((REPO / configs["grafana-datasource"]["file"]).read_text())["datasources"][0]
    assert datasource["url"] == "http://prometheus:9090"
    provider = yaml.safe_load((REPO / configs["grafana-dashboards"]["file"]).read_text())["providers"][0]
    grafana_targets = {c["source"]: c["target"] for c in compose["services"]["grafana"]["configs"]}
    assert grafana_targets["grafana-dashboard"].startswith(provider["options"]["path"] + "/")
    dashboard = json.loads((REPO / configs["grafana-dashboard"]["file"]).read_text())
    assert {t["datasource"]["uid"] for p in dashboard["panels"] for t in p["targets"]} == {datasource["uid"]}


METRIC = re.compile(r"\bsohoa_\w+")


def exported_names(client) -> set[str]:
    """Every series name the service exports: the event metrics registered in this process, and
    the catalog gauges as a real scrape shows them (after a fixity run, so those appear too)."""
    from prometheus_client import REGISTRY
    from prometheus_client.parser import text_string_to_metric_families

    from records.fixity import run_fixity_check

    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}
    names = {f.name + s for f in REGISTRY.collect() if f.name.startswith("sohoa_") for s in suffixes[f.type]}
    run_fixity_check(client.app.state.services, "api", "admin1")
    scraped = text_string_to_metric_families(client.get("/metrics").text)
    return names | {s.name for f in scraped for s in f.samples if s.name.startswith("sohoa_")}


@pytest.fixture
def keyed_client(settings: Settings, tmp_path: Path):
    """A service with a signing key: the signing backlog's gauge exists only then."""
    from tests.api.test_signed_copies import signing
    from tests.conftest import running_client
    from tests.records.pki import make_pki

    yield from running_client(signing(settings, make_pki(tmp_path / "pki")))


def test_the_dashboard_and_the_alerts_use_only_metrics_the_service_exports(keyed_client):
    client = keyed_client
    exported = exported_names(client)
    assert {"sohoa_http_requests_total", "sohoa_ocr_pages_total", "sohoa_documents", "sohoa_queue_depth",
            "sohoa_index_lag_documents", "sohoa_fixity_last_run_problems", "sohoa_failed_logins_total",
            "sohoa_dead_letters_total", "sohoa_upload_bytes_total", "sohoa_ocr_page_confidence_bucket"} <= exported
    dashboard = json.loads((REPO / "deploy" / "grafana" / "sohoa-dashboard.json").read_text())
    used = {name for p in dashboard["panels"] for t in p["targets"] for name in METRIC.findall(t["expr"])}
    assert used and used <= exported, f"the dashboard uses unknown metrics: {used - exported}"
    alerts = yaml.safe_load((REPO / "deploy" / "prometheus" / "alerts.yml").read_text())
    rules = [rule for group in alerts["groups"] for rule in group["rules"]]
    used = {name for rule in rules for name in METRIC.findall(rule["expr"])}
    assert used and used <= exported, f"the alerts use unknown metrics: {used - exported}"
    assert all(rule["labels"]["severity"] in ("critical", "warning", "info") for rule in rules)
    guide = (REPO / "deploy" / "README.md").read_text()
    assert all(rule["alert"] in guide for rule in rules), "the operations guide explains every alert"
