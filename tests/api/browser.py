"""Browser tests' fixtures: the real service on a loopback port, Debian's Chromium driven by Playwright,
axe-core run inside each page, and screenshots for the README when SOHOA_SCREENSHOTS names a folder."""
from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from core.settings import Settings
from tests.conftest import PASSWORD, ROLES

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / ".venv" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync"]
SCREENSHOTS = os.environ.get("SOHOA_SCREENSHOTS")


class LiveClient(httpx.Client):
    """An API client on the live server that, like TestClient, reaches the app (for test fixtures)."""

    app: FastAPI


@dataclass
class Live:
    url: str
    app: FastAPI

    @property
    def services(self):
        return self.app.state.services

    def client(self, username: str | None = "counter1") -> LiveClient:
        c = LiveClient(base_url=self.url, timeout=60)
        c.app = self.app
        if username:
            r = c.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
            assert r.status_code == 200, r.text
            c.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        return c


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(settings: Settings, users: bool = True) -> Iterator[Live]:
    """uvicorn in a thread on 127.0.0.1 with the real services; one user per role unless ``users`` is False."""
    from catalog.users import Role, create_user
    from sohoa.asgi import create_app

    app = create_app(settings)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the web service did not start")
        time.sleep(0.05)
    if users:
        with app.state.services.db.session() as s:
            for role in ROLES:
                create_user(s, f"{role}1", PASSWORD, Role(role), "PT01")
    try:
        yield Live(f"http://127.0.0.1:{port}", app)
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="module")
def chromium():
    """One headless Debian Chromium per test module (Playwright never downloads a browser here).
    Not per session: Playwright's sync API keeps an event loop running in the main thread while it
    is open, and later tests call asyncio.run() (pyHanko's signing does)."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "Debian's chromium is missing: make system-test installs it"
    assert AXE.exists(), "axe-core is missing: make axe installs it from npm"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def live(settings: Settings) -> Iterator[Live]:
    with serve(settings) as running:
        yield running


@pytest.fixture
def browser_page(chromium, live: Live):
    """A fresh tab at 1366×768 in Vietnamese and Hanoi time. CSP is bypassed only so that the test can
    inject axe-core; the pages' own scripts all come from /static."""
    context = chromium.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN",
                                   timezone_id="Asia/Ho_Chi_Minh", base_url=live.url, bypass_csp=True,
                                   accept_downloads=True)
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


def log_in(page, username: str, path: str = "/login") -> None:
    page.goto(path)
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_label("Mật khẩu").press("Enter")
    page.wait_for_function("() => !location.pathname.startsWith('/login')")
    page.locator("#who").get_by_text(username).wait_for()


def open_dossier_for_new_citizen(page, procedure_words: str, procedure: str, owner_id: str, full_name: str) -> str:
    """At the counter: pick the procedure by words of its name (or its code), look up a citizen the
    archive does not know yet, name them and open the dossier; its code as the page shows it."""
    page.get_by_label("Tìm theo tên hoặc mã thủ tục").fill(procedure_words)
    page.get_by_role("option", name=procedure).wait_for()
    page.get_by_label("Tìm theo tên hoặc mã thủ tục").press("Enter")
    page.get_by_label("Số định danh (12 số) hoặc mã số BHXH (10 số)").fill(owner_id)
    page.get_by_label("Số định danh (12 số) hoặc mã số BHXH (10 số)").press("Enter")
    page.locator("#citizen-info").get_by_text("Chưa có trong kho lưu trữ").wait_for()
    page.get_by_label("Họ và tên").fill(full_name)
    page.get_by_role("button", name="Mở hồ sơ").click()
    return page.locator("#dossier-code").inner_text()


def accessibility_problems(page) -> list[dict]:
    """axe-core's serious and critical violations in the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))""")
    return [v for v in found if v["impact"] in ("serious", "critical")]


def check_page(page, name: str) -> None:
    """No serious accessibility problem; a screenshot for the README when asked for."""
    problems = accessibility_problems(page)
    assert not problems, f"{name}: {problems}"
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)
