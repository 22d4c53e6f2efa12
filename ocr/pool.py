"""The process pool that OCRs pages."""

from __future__ import annotations

import multiprocessing
import os
import threading
import warnings
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Literal, TypeVar

from PIL import Image

from ocr.engine import engine
from ocr.errors import OcrFailed

T = TypeVar("T")

DEFAULT_MAX_IMAGE_PIXELS = 80_000_000
"""~A3 at 600 dpi. A bigger bitmap is refused as a decompression bomb."""

DEFAULT_NICENESS = 10
"""OCR is batch work: in the service the API's requests (uploads, searches) come first."""


def _init_worker(max_image_pixels: int, niceness: int, lang: str) -> None:
    """Runs once in each worker process.

    One OpenMP thread per Tesseract: with one process per core, Tesseract's own
    threads only fight each other (3x slower on 2 cores); it is set before the
    engine loads ``lang``'s model, which the worker then keeps for its life. Pillow's bomb limit
    is set here, and its warning turned into an error, because this is the
    process that decodes untrusted images. Workers (and their Tesseracts) run
    ``niceness`` steps below the caller's priority.
    """
    os.environ["OMP_THREAD_LIMIT"] = "1"
    if niceness:
        os.nice(niceness)
    Image.MAX_IMAGE_PIXELS = max_image_pixels
    warnings.simplefilter("error", Image.DecompressionBombWarning)
    try:
        engine(lang)
    except OcrFailed:
        pass  # the first page raises it again, and its document fails with the reason


class PagePool:
    """Process pool for page OCR: one process per core, each Tesseract limited to one thread.

    Workers come from a 'forkserver' context: the API server that owns the pool is
    multi-threaded, and forking a threaded process can deadlock the child. A
    single-threaded one-shot command may pass ``start_method="fork"``: its workers
    are then copies of it, with its imports (and an engine it loaded) already done. The
    pool starts lazily on first use, is shared by any number of documents and
    threads at once (``submit`` is thread-safe), and replaces its processes if
    one dies (e.g. killed for memory): the document whose page was running then
    fails with :class:`ocr.errors.OcrFailed`, later documents get a fresh pool.
    ``close()`` shuts it down; it is also a context manager.
    """

    def __init__(
        self,
        workers: int | None = None,
        *,
        lang: str = "vie",
        dpi: int = 300,
        max_image_pixels: int = DEFAULT_MAX_IMAGE_PIXELS,
        niceness: int = DEFAULT_NICENESS,
        start_method: Literal["forkserver", "fork"] = "forkserver",
    ) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.lang = lang
        self.dpi = dpi
        self.max_image_pixels = max_image_pixels
        self.niceness = niceness
        self.start_method = start_method
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, fn: Callable[..., T], /, *args: Any) -> Future[T]:
        """Run ``fn(*args)`` in a worker; ``fn`` and its arguments must be picklable."""
        executor = self._ensure_executor()
        try:
            return executor.submit(fn, *args)
        except BrokenProcessPool:
            return self._ensure_executor(broken=executor).submit(fn, *args)

    def start(self, workers: int | None = None, *, wait: bool = True) -> None:
        """Start ``workers`` (default: all) worker processes now, each with its model loaded;
        otherwise they start with the first pages. ``wait=False`` returns at once, so the
        caller's own start-up overlaps theirs."""
        # A worker process is spawned by each submit that finds none idle (they take far longer
        # to start than these submits), so one call per wanted worker starts that many.
        futures = [self.submit(os.getpid) for _ in range(min(workers or self.workers, self.workers))]
        for future in futures if wait else ():
            future.result()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> PagePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _ensure_executor(self, *, broken: ProcessPoolExecutor | None = None) -> ProcessPoolExecutor:
        """The live executor, started if need be; ``broken`` is replaced (once, whoever asks first)."""
        with self._lock:
            if self._closed:
                raise RuntimeError("PagePool is closed")
            if broken is not None and self._executor is broken:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None
            if self._executor is None:
                context = multiprocessing.get_context(self.start_method)
                if self.start_method == "forkserver":
                    # The fork server imports the page code once; each worker forks from it warm.
                    context.set_forkserver_preload(["ocr.page"])
                self._executor = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=context,
                    initializer=_init_worker,
                    initargs=(self.max_image_pixels, self.niceness, self.lang),
                )
            return self._executor
