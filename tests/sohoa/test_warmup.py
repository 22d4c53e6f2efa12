"""Work started in the background hands back its value or its error to whoever waits."""
from __future__ import annotations

import threading

import pytest

from catalog import classifier
from core.settings import get_settings
from sohoa.warmup import Background, load_classifier


def test_background_runs_in_another_thread_and_returns_its_value() -> None:
    caller = threading.get_ident()
    assert Background(lambda: threading.get_ident() != caller).result() is True


def test_background_reraises_the_error_when_waited_for() -> None:
    def fail() -> None:
        raise ValueError("no catalog")

    job = Background(fail)
    with pytest.raises(ValueError, match="no catalog"):
        job.result()


def test_load_classifier_leaves_the_model_where_describe_finds_it(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SOHOA_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    try:
        settings = get_settings()
        load_classifier(settings)
        url = str(settings.resolved_database_url())
        assert [key for key in classifier._loaded if key[0] == url]  # noqa: SLF001 (the process's model cache)
    finally:
        get_settings.cache_clear()
