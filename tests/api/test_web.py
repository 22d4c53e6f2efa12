"""The web pages in a real browser (Debian Chromium): the counter, handler and archivist at work,
first start, and axe-core on every page."""
from __future__ import annotations

import pytest

from tests.api.browser import browser_page, check_page, chromium, live, log_in  # noqa: F401

pytestmark = pytest.mark.browser


def test_every_page_is_accessible_and_keeps_its_url(browser_page, live):
    page = browser_page
    page.goto("/procedures")
    page.get_by_role("heading", name="Danh mục thủ tục hành chính").wait_for()
    page.get_by_label("Lọc theo tên hoặc mã thủ tục").fill("thai san")
    assert page.locator("section.procedure:visible").count() == 1
    check_page(page, "procedures")

    page.goto("/")  # signed out: off to sign-in, and back after it
    page.wait_for_url("**/login?next=%2F*")
    check_page(page, "login")
    log_in(page, "admin1", page.url)
    assert page.url == live.url + "/"
    check_page(page, "counter")
    page.goto("/search")
    page.locator("#f-type option").nth(1).wait_for(state="attached")
    check_page(page, "search")
    page.goto("/archive")
    for tab in ("catalog", "retention", "holds", "disposal", "fixity", "audit", "users", "dead", "holidays"):
        page.locator(f"#tab-{tab}").click()
        page.wait_for_load_state("networkidle")
        check_page(page, f"archive-{tab}")
