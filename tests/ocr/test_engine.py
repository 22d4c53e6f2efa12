"""The in-process Tesseract engine reads exactly as the ``tesseract`` command does, stays loaded,
and runs single-threaded in pool workers."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from ocr import PagePool, raster, tesseract
from ocr.engine import engine
from ocr.errors import OcrFailed
from tests.render import ADMIN_LINES, noisy, render_lines, rotated, skewed


def _command_tsv(image_path: Path, out: Path) -> tesseract.Recognition:
    """What the Tesseract command line reads on the same pixels, same options."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    cmd = ["tesseract", str(image_path), str(out), "-l", "vie", "--psm", "3", "--dpi", "300", "tsv"]
    subprocess.run(cmd, env=env, capture_output=True, check=True)
    return tesseract.parse_tsv(out.with_suffix(".tsv").read_text(encoding="utf-8"))


@pytest.mark.parametrize("mode", ["1", "L", "RGB"])
def test_engine_reads_word_for_word_as_the_command(tmp_path: Path, mode: str) -> None:
    page = noisy(skewed(render_lines(ADMIN_LINES), 0.6), seed=3)
    image = raster.binarize(page) if mode == "1" else page.convert(mode)
    path = tmp_path / "page.pnm"
    image.save(path, "PPM")

    ours = tesseract.recognize(image, lang="vie", dpi=300)

    assert ours == _command_tsv(path, tmp_path / "out")
    assert "GIẤY KHAI SINH" in ours.text and ours.words and ours.lines


def test_the_library_is_the_commands_tesseract() -> None:
    """tesserocr must be built against the system libtesseract (PyPI's wheel bundles another one)."""
    engine("vie")  # imports tesserocr the way the service does (after OMP_THREAD_LIMIT is set)
    import tesserocr

    command = subprocess.run(["tesseract", "--version"], capture_output=True, text=True, check=True).stdout
    assert tesserocr.tesseract_version().split()[:2] == command.split()[:2]


def test_one_engine_per_language_stays_loaded() -> None:
    assert engine("vie") is engine("vie")
    assert engine("osd") is not engine("vie")


def test_unknown_language_fails_with_its_name() -> None:
    with pytest.raises(OcrFailed, match="'xyz'"):
        engine("xyz")


def test_timeout_stops_recognition_and_the_engine_reads_on() -> None:
    page = render_lines(ADMIN_LINES * 2)
    with pytest.raises(OcrFailed, match="more than"):
        tesseract.recognize(page, lang="vie", dpi=300, timeout=0.001)
    assert "GIẤY KHAI SINH" in tesseract.recognize(page, lang="vie", dpi=300).text


def test_orientation_is_the_commands(tmp_path: Path) -> None:
    page = rotated(render_lines(ADMIN_LINES * 2), 90)  # counter-clockwise: 90° clockwise makes it upright
    path = tmp_path / "sideways.pnm"
    page.save(path, "PPM")
    printed = subprocess.run(["tesseract", str(path), "-", "--psm", "0", "-l", "osd", "--dpi", "300"],
                             env={**os.environ, "OMP_THREAD_LIMIT": "1"}, capture_output=True, text=True,
                             check=True).stdout
    found = tesseract.detect_orientation(page, dpi=300)
    assert found is not None
    assert found.rotate == int(re.search(r"^Rotate:\s*(\d+)", printed, re.M).group(1)) == 90
    assert found.confidence == pytest.approx(float(re.search(r"^Orientation confidence:\s*([\d.]+)", printed,
                                                             re.M).group(1)), abs=0.01)


def _worker_state() -> tuple[bool, int]:
    """In a pool worker: is the model already loaded, and how many threads does it run after a page?"""
    from ocr import engine as module

    loaded = "vie" in module._engines  # noqa: SLF001 (what the initializer left behind)
    tesseract.recognize(render_lines(ADMIN_LINES), lang="vie", dpi=300)
    return loaded, len(os.listdir("/proc/self/task"))


@pytest.mark.parametrize("start_method", ["forkserver", "fork"])
def test_pool_workers_start_warm_and_single_threaded(start_method: str) -> None:
    with PagePool(1, start_method=start_method) as pool:  # type: ignore[arg-type]
        pool.start()
        loaded, threads = pool.submit(_worker_state).result()
    assert loaded
    assert threads == 1  # no OpenMP team: OMP_THREAD_LIMIT was set before libtesseract loaded
