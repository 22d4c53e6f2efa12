"""The directory where several API processes keep their metric values (prometheus-client's
multiprocess mode), made ready before the processes start."""
from __future__ import annotations

import os
from pathlib import Path

from core.metrics import MULTIPROC_ENV


def prepare_multiprocess_metrics(default: Path) -> Path:
    """Use ``PROMETHEUS_MULTIPROC_DIR`` (or ``default``), emptied of a previous run's values, and
    export it to the processes about to be started."""
    directory = Path(os.environ.get(MULTIPROC_ENV) or default)
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(directory)
    return directory
