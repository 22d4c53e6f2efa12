"""Work a one-shot command starts early, in a thread, so that it overlaps the OCR of its pages.

Tesseract loads its model with Python's lock released, so it can load while the
command imports its own code. While a pool worker reads a page, the command's
own process only waits: loading the classifier there (importing scikit-learn,
reading the model) then costs no wall time on a machine with a second core.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Background(Generic[T]):
    """``fn(*args)`` running in a daemon thread; :meth:`result` waits for it and re-raises its error."""

    def __init__(self, fn: Callable[..., T], *args: Any) -> None:
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(fn, args), daemon=True)
        self._thread.start()

    def _run(self, fn: Callable[..., T], args: tuple[Any, ...]) -> None:
        try:
            self._value = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits for the result
            self._error = exc

    def result(self) -> T | None:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


def load_engine(lang: str) -> None:
    """Load this process's Tesseract model for ``lang`` (:mod:`ocr.engine`); the model loads with
    Python's lock released, beside the caller's own imports."""
    from ocr.engine import engine

    engine(lang)


def load_classifier(settings: Any) -> None:
    """Load the installation's classifier model (training it the first time) into this process's
    model cache, where :func:`catalog.describe.describe` then finds it."""
    from catalog import classifier
    from catalog.catalogs import open_database
    from storage import open_storage

    db = open_database(settings.resolved_database_url())
    try:
        store = open_storage(settings.storage_url, default_dir=settings.data_dir / "objects")
        classifier.current_model(db, store)
    finally:
        db.dispose()
