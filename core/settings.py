"""The one settings object. Every knob is an environment variable prefixed ``SOHOA_``.

Backends are chosen by the scheme of their URL (see DESIGN.md's configuration table);
an empty URL means the embedded default under ``data_dir``.
"""
from __future__ import annotations

import os
import secrets
from datetime import time
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SOHOA_", env_file=".env", extra="ignore")

    data_dir: Path = Path("var")
    database_url: str = ""
    storage_url: str = ""
    search_url: str = ""
    broker_url: str = ""

    agency_code: str = Field("BHXH", pattern=r"^[A-Z0-9]{2,12}$")
    """Prefix of dossier codes ``AGENCY-yymmdd-NNNN``."""

    receipt_cutoff: time = time(16, 30)
    """Dossiers received at or after this local time count as received the next working day."""

    max_upload_bytes: int = 50 * 1024 * 1024
    max_files_per_upload: int = 20
    max_request_bytes: int = 200 * 1024 * 1024
    max_pages: int = 300
    max_image_pixels: int = 120_000_000
    """Pillow's decompression-bomb limit: an A3 page at 600 dpi is ~70 Mpx."""

    ocr_lang: str = "vie"
    ocr_dpi: int = 300
    ocr_workers: int = Field(default_factory=lambda: os.cpu_count() or 1)
    document_workers: int = 2
    """Documents processed at once by the in-process queue, or by each ``sohoa worker``; their
    pages share the OCR pool."""

    retry_delay_s: float = 5.0
    """Wait before a failed document is tried again; it doubles with each attempt."""
    task_visibility_timeout_s: int = 3600
    """Celery/Redis: a task not acknowledged this long (its worker died) is delivered again. Keep
    it above the longest document's OCR time and the longest retry delay."""
    task_lease_s: float = 60.0
    """Celery: a worker holds a document's lease while it works on it, renewed every third of
    this; a killed worker's lease lapses after it and another worker may take the document over."""
    recovery_grace_s: float = 300.0
    """Celery: recovery leaves unfinished work younger than this to the processes handling it."""
    recovery_interval_s: float = 300.0
    """Celery beat: how often unfinished documents nobody holds are queued again."""

    secret_key: str = ""
    """Signs access tokens. Empty: a random key kept in ``data_dir/secret.key`` (one node only;
    set it explicitly when several API processes share the catalog)."""
    token_minutes: float = 30
    """Idle expiry: a bearer token lives this long; pages in use renew it (POST /api/v1/auth/refresh)."""
    session_hours: float = 10
    """Absolute limit of a sign-in: renewed tokens never outlive it; then the password is asked again."""

    audit_checkpoint_every_minutes: float = 60.0
    """Write a signed audit checkpoint (count, head, time) outside the catalog this often (0: off)."""
    audit_checkpoint_retain_days: int = 3650
    """S3 Object Lock retention of each checkpoint object, where the bucket has Object Lock."""
    login_attempts_per_client: int = 20
    """Sign-in attempts one client address may make per minute before 429."""
    login_failures_before_lockout: int = 5
    """Wrong passwords for one account (within ``login_lockout_minutes``) before it is locked."""
    login_lockout_minutes: float = 15.0
    password_hash_workers: int = Field(default_factory=lambda: max(1, (os.cpu_count() or 2) // 2))
    """Password hashes computed at once (half the cores: sign-ins never take the whole machine);
    sign-ins beyond ``password_hash_queue`` waiting get 429."""
    password_hash_queue: int = 8

    fixity_every_hours: float = 24.0
    """Re-hash every stored object this often (in-process schedule; 0 switches it off)."""
    retention_review_every_hours: float = 24.0
    """Count the documents past retention this often (0 switches it off)."""
    scheduler_start_delay_s: float = 300.0
    """Scheduled jobs wait this long after start-up, so starting stays quick."""

    # Signatures of digitized copies (records/keys.py, records/signatures.py). Nothing configured:
    # the throw-away keys of `sohoa keys init-dev` under data_dir/keys/dev, when they exist.
    signing_pkcs12: Path | None = None
    """The agency's PKCS#12 file (certificate and private key) for the embedded default."""
    signing_passphrase: SecretStr = SecretStr("")
    signing_pkcs11_module: str = ""
    """PKCS#11 library of the agency's token (e.g. /usr/lib/softhsm/libsofthsm2.so); takes
    precedence over the PKCS#12 file."""
    signing_pkcs11_token: str = ""
    signing_pkcs11_key: str = ""
    """Label of the key on the token; its certificate carries the same label."""
    signing_pkcs11_pin: SecretStr = SecretStr("")
    trust_dir: Path | None = None
    """Folder of CA certificates (PEM or DER) a signature must chain up to."""
    tsa_url: str = ""
    """RFC 3161 timestamp authority: PAdES B-T (B-LT where revocation info is reachable); empty: B-B."""
    signature_stamp: bool = False
    """Draw a visible stamp (agency, officer, time) on the first page of a signed copy."""
    log_level: str = Field("INFO", pattern=r"^(?i:debug|info|warning|error)$")
    log_format: str = Field("text", pattern=r"^(text|json)$")
    """``json``: one JSON object a line, for log shippers (core/logs.py)."""
    metrics_port: int = 0
    metrics_bind: str = "127.0.0.1"
    """``sohoa worker``: serve its Prometheus metrics on this port (0: not at all); the API serves
    its own at ``/metrics``."""

    def resolved_secret_key(self) -> str:
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
        return path.read_text().strip()

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'catalog.sqlite3').resolve()}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
