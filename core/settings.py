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

from pydantic import Field, SecretStr, field_validator
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
    report_window_day: int = Field(14, ge=1, le=27)
    """The quarterly report's window closes on this day of the quarter's last month; what happens
    later counts in the next quarter (Appendix II of the TTHC-control plan: day 14)."""

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
    signing_passphrase_file: Path | None = None
    """A file holding the passphrase (a Docker secret); it wins over ``signing_passphrase``."""
    signing_pkcs11_module: str = ""
    """PKCS#11 library of the agency's token (e.g. /usr/lib/softhsm/libsofthsm2.so); takes
    precedence over the PKCS#12 file."""
    signing_pkcs11_token: str = ""
    signing_pkcs11_key: str = ""
    """Label of the key on the token; its certificate carries the same label."""
    signing_pkcs11_pin: SecretStr = SecretStr("")
    signing_pkcs11_pin_file: Path | None = None
    """A file holding the token's PIN (a Docker secret); it wins over ``signing_pkcs11_pin``."""
    trust_dir: Path | None = None
    """Folder of CA certificates (PEM or DER) a signature must chain up to."""
    tsa_url: str = ""
    """RFC 3161 timestamp authority: PAdES B-T (B-LT where revocation info is reachable); empty: B-B."""
    signature_stamp: bool = False
    """Draw a visible stamp (agency, officer, time) on the first page of a signed copy."""
    # The national public-service portal and the national data store (catalog/portal_record.py,
    # ingest/portal.py, ingest/national_store.py). Empty URL: switched off (records wait in the outbox).
    portal_url: str = ""
    """Where the dossiers' sync records are POSTed (http(s)://…); empty: they wait in the outbox."""
    portal_token: SecretStr = SecretStr("")
    """Bearer token sent to the portal and the national data store, when they ask for one."""
    portal_timeout_s: float = 10.0
    portal_max_attempts: int = 8
    """Deliveries of one record tried before it is given up as dead (an admin may queue it again)."""
    portal_backoff_s: float = 30.0
    """Wait before a failed record is tried again; it doubles with each attempt (at most a day)."""
    portal_sync_every_minutes: float = 1.0
    """How often the outbox is drained (scheduler, Celery beat); 0 switches it off."""
    public_url: str = ""
    """This service's address as the portal reaches it: the file links of sync records start with it."""
    national_store_url: str = ""
    """The national data store (Kho dữ liệu quốc gia, http(s)://…); empty: taking papers from it is off."""
    national_store_timeout_s: float = 20.0
    signature_revocation_check: bool = True
    """Verification asks the OCSP responders and CRLs the certificates name (unreachable: not held
    against the signature); a revoked signer certificate makes the copy ``invalid``."""
    signature_cache_minutes: float = 60.0
    """A verification outcome is reused for the same signed bytes and trust roots within this window
    (reuse checklists, downloads); fixity always verifies afresh. 0: never cached."""
    sign_pending_every_minutes: float = 30.0
    """Sign issued results whose signing failed (token unplugged, TSA down) this often (0: off)."""
    log_level: str = Field("INFO", pattern=r"^(?i:debug|info|warning|error)$")
    log_format: str = Field("text", pattern=r"^(text|json)$")
    """``json``: one JSON object a line, for log shippers (core/logs.py)."""
    metrics_port: int = 0
    metrics_bind: str = "127.0.0.1"
    """``sohoa worker``: serve its Prometheus metrics on this port (0: not at all); the API serves
    its own at ``/metrics``."""

    @field_validator("signing_pkcs12", "signing_passphrase_file", "signing_pkcs11_pin_file", "trust_dir",
                     mode="before")
    @classmethod
    def _empty_path_is_none(cls, value: object) -> object:
        """docker-compose passes an unset variable as an empty string: that means not configured."""
        return None if value == "" else value

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
