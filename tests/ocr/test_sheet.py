"""ocr.sheet: the sheet of paper in a photo, found and squared; scans and cut sheets are left alone."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ocr.sheet import find_sheet
from tests.render import ADMIN_LINES, render_lines

CORNERS = np.array([[180, 90], [840, 130], [820, 610], [150, 560]], np.float32)  # clockwise from top left


def photo(corners: np.ndarray = CORNERS, size: tuple[int, int] = (1000, 700)) -> tuple[np.ndarray, np.ndarray]:
    """A rendered form photographed at an angle on a dark, textured desk; and the form itself."""
    form = np.asarray(render_lines(ADMIN_LINES, dpi=120, font_pt=12))
    h, w = form.shape
    to_photo = cv2.getPerspectiveTransform(np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32), corners)
    rng = np.random.default_rng(7)
    desk = rng.integers(40, 110, (size[1], size[0]), dtype=np.uint8)
    sheet = cv2.warpPerspective(form, to_photo, size, flags=cv2.INTER_CUBIC)
    mask = cv2.warpPerspective(np.full_like(form, 255), to_photo, size) > 0
    return np.where(mask, sheet, desk), form


def test_the_photographed_sheet_is_found_and_squared() -> None:
    picture, _ = photo()
    sheet = find_sheet(picture)
    assert sheet is not None
    squared = sheet.warp(picture)
    top, bottom = np.linalg.norm(CORNERS[1] - CORNERS[0]), np.linalg.norm(CORNERS[2] - CORNERS[3])
    left, right = np.linalg.norm(CORNERS[3] - CORNERS[0]), np.linalg.norm(CORNERS[2] - CORNERS[1])
    assert squared.shape[1] == pytest.approx(max(top, bottom), abs=8)
    assert squared.shape[0] == pytest.approx(max(left, right), abs=8)
    # its corners go back onto the sheet's corners in the picture
    w, h = sheet.size
    back = sheet.to_picture(np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], float))
    assert np.abs(back - CORNERS).max() < 12
    # and what is on it is the form, not the desk
    assert squared.mean() > 200


def test_a_scan_has_no_sheet_to_find() -> None:
    scan = np.asarray(render_lines(ADMIN_LINES, dpi=120, font_pt=12))
    assert find_sheet(scan) is None


def test_a_sheet_cut_by_the_frame_is_left_alone() -> None:
    cut = CORNERS.copy()
    cut[0] = (180, -40)  # the top left corner is outside the picture
    picture, _ = photo(cut)
    assert find_sheet(picture) is None
