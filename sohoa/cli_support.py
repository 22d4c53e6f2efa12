"""What every command group shares: the services of an offline command and the actor it audits as."""
from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager

import click

from catalog.audit import Actor
from core.errors import Rejected
from core.settings import get_settings
from ingest.services import Services


def cli_actor() -> Actor:
    """The audit log names command-line work after the operating-system account that ran it."""
    return Actor(f"cli:{getpass.getuser()}", "admin", None, "local")


@contextmanager
def offline_services() -> Iterator[Services]:
    """The archive's services without workers or scheduler; a refusal ends the command with its message."""
    from sohoa.services import build_services  # late: starting a command should not load every backend

    services = build_services(get_settings(), start_workers=False)
    try:
        yield services
    except Rejected as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}") from exc
    finally:
        services.close()
