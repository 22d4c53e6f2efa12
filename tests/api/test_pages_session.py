"""The pages keep a working clerk signed in and let an idle page go: in Debian Chromium with a bearer
token of a few seconds (settings), the page renews it while someone types, and once it is left alone
it goes to sign-in with a Vietnamese message and comes back to the same dossier after it."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from catalog.audit import AuditEntry
from tests.api.browser import check_page, chromium, log_in, serve  # noqa: F401
from tests.conftest import PASSWORD, open_dossier

LIFETIME_S = 6


def _renewals(live) -> int:
    with live.services.db.session() as s:
        return s.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "auth.refresh"))


@pytest.mark.browser
@pytest.mark.slow
def test_a_working_clerk_stays_signed_in_and_an_idle_page_returns_after_sign_in(chromium, settings):
    brief = settings.model_copy(update={"token_minutes": LIFETIME_S / 60})
    with serve(brief) as live:
        code = open_dossier(live.client("counter1"), procedure="1.000457", full_name="Lê Văn Cường")["code"]
        context = chromium.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN",
                                       timezone_id="Asia/Ho_Chi_Minh", base_url=live.url, bypass_csp=True)
        context.set_default_timeout(20_000)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        log_in(page, "handler1", f"/login?next=/dossiers%3Fcode%3D{code}")
        page.get_by_role("heading", name=f"Hồ sơ {code}").wait_for()

        # Typing a reason for three token lifetimes: the page renews the token and nothing is lost.
        reason = page.get_by_label("Ghi chú (không bắt buộc)")
        started = time.monotonic()
        while time.monotonic() - started < 3 * LIFETIME_S:
            reason.press_sequentially("ab")
            page.wait_for_timeout(700)
        assert "/dossiers" in page.url and _renewals(live) >= 2
        page.get_by_role("button", name="Tải lại hồ sơ").click()  # the API still answers the renewed token
        page.get_by_role("heading", name=f"Hồ sơ {code}").wait_for()
        assert page.locator("#dossier-msg[role=alert]").count() == 0

        # Left alone: the token runs out, the page goes to sign-in and says why, in Vietnamese.
        page.wait_for_url("**/login?next=*", timeout=(LIFETIME_S + 10) * 1000)
        page.locator("#login-msg").get_by_text("lâu không thao tác").wait_for()
        check_page(page, "login-expired")
        page.get_by_label("Tên đăng nhập").fill("handler1")
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_label("Mật khẩu").press("Enter")
        page.get_by_role("heading", name=f"Hồ sơ {code}").wait_for()  # back where the clerk was
        assert page.url == f"{live.url}/dossiers?code={code}"
        context.close()
        assert not errors, errors


@pytest.mark.browser
@pytest.mark.slow
def test_a_page_in_use_still_ends_at_the_sessions_absolute_limit(chromium, settings):
    """Renewed while someone types, but never past session_hours: then sign-in, saying so."""
    brief = settings.model_copy(update={"token_minutes": LIFETIME_S / 60, "session_hours": 10 / 3600})
    with serve(brief) as live:
        context = chromium.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN",
                                       base_url=live.url, bypass_csp=True)
        page = context.new_page()
        log_in(page, "handler1", "/login?next=/search")
        started = time.monotonic()
        box = page.get_by_label("Từ khoá")
        while "/login" not in page.url and time.monotonic() - started < 20:
            try:
                box.press_sequentially("a", timeout=1000)
            except Exception:  # noqa: BLE001 — the page is leaving for sign-in
                break
            page.wait_for_timeout(500)
        page.wait_for_url("**/login?next=*", timeout=10_000)
        assert 8 <= time.monotonic() - started <= 16, "at the ten-second limit, not at the first expiry"
        page.locator("#login-msg").get_by_text("thời hạn tối đa").wait_for()
        assert _renewals(live) >= 1
        context.close()
