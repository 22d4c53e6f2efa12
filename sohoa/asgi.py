"""The web application with its services assembled from settings: what ``sohoa serve`` runs."""
from __future__ import annotations

from fastapi import FastAPI

from api.app import create_app as create_api
from core.logs import configure_logging
from core.settings import Settings, get_settings
from sohoa.services import build_services


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    # Here too, not only in the CLI: `serve --workers N` (and any ASGI server) starts fresh processes.
    configure_logging(settings.log_level, settings.log_format)
    return create_api(settings, lambda: build_services(settings))
