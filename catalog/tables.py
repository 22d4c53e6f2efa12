"""Every module that defines catalog tables, so that migrations and schema checks see all of them.

A new table module is added here; tests/catalog/test_tables.py fails when one is missing.
"""
from __future__ import annotations

import importlib

from sqlalchemy import MetaData

TABLE_MODULES = (
    "catalog.models",
    "catalog.coding",
    "catalog.users",
    "catalog.audit",
    "catalog.records_models",
    "catalog.register_models",
    "catalog.signatures",
    "catalog.portal_models",
)


def import_all_tables() -> MetaData:
    """Import every table module and return the metadata they registered on."""
    for name in TABLE_MODULES:
        importlib.import_module(name)
    from catalog.base import Base

    return Base.metadata
