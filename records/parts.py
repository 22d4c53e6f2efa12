"""What the records procedures use of a running archive, as small protocols.

They take these rather than the whole service container, so they depend on the catalog, the
object store and the index only (the entry points hand in whatever satisfies them).
"""
from __future__ import annotations

import threading
from typing import Protocol

from catalog.db import Database
from core.settings import Settings
from search import SearchIndex
from storage import ObjectStore


class Catalogued(Protocol):
    @property
    def db(self) -> Database: ...


class Stored(Catalogued, Protocol):
    @property
    def store(self) -> ObjectStore: ...

    @property
    def settings(self) -> Settings: ...


class Checked(Stored, Protocol):
    """A fixity check also stops early when the process shuts down."""

    @property
    def stopping(self) -> threading.Event: ...


class Indexed(Stored, Protocol):
    """Disposal also removes index entries."""

    @property
    def index(self) -> SearchIndex: ...
