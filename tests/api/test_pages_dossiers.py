"""The dossier page in Debian Chromium: the actions offered are the ones the server says this user may
take now, the handler is picked from the office's handlers, and "overdue first" is the server's order
over every page of the worklist, not a shuffle of the page at hand."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from catalog.models import Dossier
from catalog.users import Role, create_user
from core.clock import utcnow
from tests.api.browser import browser_page, check_page, chromium, live, log_in  # noqa: F401
from tests.conftest import PASSWORD, open_dossier

browser = pytest.mark.browser


def expect_actions(page, expected: list[str]) -> None:
    """The actions offered become ``expected`` (the page draws them once it has the office's handlers)."""
    offered = page.locator("#t-action option")
    deadline = time.monotonic() + 10
    while offered.evaluate_all("(os) => os.map((o) => o.value)") != expected and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert offered.evaluate_all("(os) => os.map((o) => o.value)") == expected


@browser
def test_the_page_offers_the_servers_actions_and_the_offices_handlers(browser_page, live):
    with live.services.db.session() as s:
        create_user(s, "handler3", PASSWORD, Role.handler, "PT01", full_name="Trần Thị Lan")
        create_user(s, "handler9", PASSWORD, Role.handler, "PT02", full_name="Người Đơn Vị Khác")
    code = open_dossier(live.client("counter1"), procedure="1.000457", full_name="Lê Văn Cường")["code"]
    page = browser_page
    log_in(page, "counter1", f"/login?next=/dossiers%3Fcode%3D{code}")
    page.get_by_role("heading", name=f"Hồ sơ {code}").wait_for()
    expect_actions(page, ["start", "assign", "request_supplement", "return", "withdraw"])

    page.get_by_label("Thao tác").select_option("assign")
    picker = page.get_by_label("Giao cho cán bộ xử lý")
    names = picker.locator("option").all_inner_texts()
    assert names == ["(không đổi)", "handler1", "Trần Thị Lan (handler3)"], names  # not PT02's, not counters
    picker.select_option("handler3")
    check_page(page, "dossier-assign")
    page.get_by_role("button", name="Thực hiện").click()
    page.locator("#dossier-body").get_by_text("Người xử lý: handler3").wait_for()
    assert "giao handler3" in page.locator("#history").inner_text()

    # The handler sees a handler's actions; once started, resolving is among them and starting is not.
    page.get_by_role("button", name="Đăng xuất").click()
    log_in(page, "handler3", f"/login?next=/dossiers%3Fcode%3D{code}")
    page.get_by_role("heading", name=f"Hồ sơ {code}").wait_for()
    expect_actions(page, ["start", "assign", "request_supplement", "return"])
    page.get_by_label("Thao tác").select_option("start")
    assert page.get_by_label("Giao cho cán bộ xử lý").input_value() == "handler3"  # the current assignee kept
    page.get_by_role("button", name="Thực hiện").click()
    page.locator("#d-status").get_by_text("Đang giải quyết").wait_for()
    expect_actions(page, ["assign", "request_supplement", "resolve", "return"])
    page.get_by_label("Thao tác").select_option("return")  # the server says a reason is needed
    assert page.locator("#t-reason-label").inner_text() == "Lý do (bắt buộc, ghi rõ để công dân hiểu)"
    assert page.locator("#t-assign-box").is_hidden()

    # Another office's handler may read the dossier and is offered nothing to do with it.
    page.get_by_role("button", name="Đăng xuất").click()
    log_in(page, "handler9", f"/login?next=/dossiers%3Fcode%3D{code}")
    page.get_by_role("heading", name=f"Hồ sơ {code}").wait_for()
    page.locator("#closed-note").get_by_text("Bạn không có thao tác nào").wait_for()
    assert page.locator("#transition-form").is_hidden()


@browser
def test_overdue_first_brings_a_late_dossier_from_the_second_page_to_the_top(browser_page, live):
    counter = live.client("counter1")
    codes = [open_dossier(counter, owner=f"0012030002{n:02d}")["code"] for n in range(51)]
    late, closed = codes[0], codes[1:]
    with live.services.db.session() as s:  # fifty dossiers closed on time, due before the late one
        for n, row in enumerate(s.scalars(select(Dossier).where(Dossier.code.in_(closed)))):
            row.status, row.due_at = "resolved", utcnow() - timedelta(days=10, minutes=n)
        s.scalars(select(Dossier).where(Dossier.code == late)).one().due_at = utcnow() - timedelta(days=1)
    page = browser_page
    log_in(page, "counter1", "/login?next=/dossiers")
    page.locator("#work-msg").get_by_text("51 hồ sơ, trang 1/2.").wait_for()
    first = page.locator("#worklist tbody tr").first
    assert late in first.inner_text() and "quá hạn" in first.inner_text()
    assert page.locator("#worklist tbody tr", has_text="quá hạn").count() == 1
    check_page(page, "dossiers-overdue-first")

    page.get_by_label("Sắp xếp").select_option("due")  # by due date only: the late one is on page 2
    page.get_by_role("button", name="Xem", exact=True).click()
    page.wait_for_function(f"() => !document.getElementById('worklist').innerText.includes('{late}')")
    page.get_by_role("button", name="Trang sau").click()
    page.locator("#worklist").get_by_role("link", name=late).wait_for()
    assert page.locator("#worklist tbody tr").count() == 1
