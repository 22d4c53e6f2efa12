"""What every command group shares: the services of an offline command and the actor it audits as."""
from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from core.errors import Rejected
from core.settings import Settings, get_settings

if TYPE_CHECKING:  # imported where used: `sohoa ocr` needs none of the catalog (~1.5 s of imports)
    from catalog.audit import Actor
    from catalog.db import Database
    from ingest.services import Services


def cli_actor() -> Actor:
    """The audit log names command-line work after the operating-system account that ran it."""
    from catalog.audit import Actor

    return Actor(f"cli:{getpass.getuser()}", "admin", None, "local")


def keyed_catalog(settings: Settings) -> Database:
    """The catalog for a command that writes audit entries: they join the chain keyed by the secret key."""
    from catalog.audit_chain import derive_key
    from catalog.db import Database

    db = Database(settings.resolved_database_url())
    db.audit_key = derive_key(settings.resolved_secret_key())
    return db


@contextmanager
def offline_services(*, rebuild_index: bool = False) -> Iterator[Services]:
    """The archive's services without workers or scheduler; a refusal ends the command with its message."""
    from search import OutdatedIndex
    from sohoa.services import build_services  # late: starting a command should not load every backend

    try:
        services = build_services(get_settings(), start_workers=False, rebuild_index=rebuild_index)
    except OutdatedIndex as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        yield services
    except Rejected as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}") from exc
    finally:
        services.close()
