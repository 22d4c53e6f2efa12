"""The counter page takes a missing paper from the national data store (a real HTTP server on
loopback) with one button per checklist item, marks it "Lấy từ Kho DLQG", and shows the store's
refusals in Vietnamese where the page shows its errors. In Debian Chromium."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.browser import browser_page, chromium  # noqa: F401  (fixtures)
from tests.api.browser import Live, check_page, log_in, open_dossier_for_new_citizen, serve
from tests.catalog.test_reuse import BIRTH, FORM, IDENTITY
from tests.conftest import OWNER_ID
from tests.portal_servers import BIRTH_CERTIFICATE_CODE as CODE
from tests.portal_servers import NationalStoreServer, serving, store_with_birth_certificate

TAKE = "Lấy từ Kho dữ liệu quốc gia"


@pytest.fixture
def store(tmp_path: Path) -> NationalStoreServer:
    return store_with_birth_certificate(tmp_path)


@pytest.fixture
def live(settings, store) -> Iterator[Live]:
    """The service connected to the loopback national data store (browser_page runs on this one)."""
    with serving(store) as url, serve(settings.model_copy(update={"national_store_url": url})) as running:
        yield running


@pytest.mark.browser
def test_a_missing_paper_is_taken_from_the_national_store_and_refusals_are_shown(browser_page, live, store):
    page = browser_page
    log_in(page, "counter1", "/login?next=/")
    code = open_dossier_for_new_citizen(page, "1.000123", "1.000123", OWNER_ID, "Nguyễn Văn Đức")
    birth, identity = page.locator(f'tr[id="item-{BIRTH}"]'), page.locator(f'tr[id="item-{IDENTITY}"]')
    msg = page.locator("#checklist-msg")

    identity.get_by_role("button", name=TAKE).click()  # the store has no identity card of this citizen
    msg.get_by_text("Kho dữ liệu quốc gia không có giấy tờ loại").wait_for()
    assert msg.get_attribute("role") == "alert"
    store.failing = True
    birth.get_by_role("button", name=TAKE).click()
    msg.get_by_text("Kho dữ liệu quốc gia không trả lời").wait_for()
    assert birth.get_by_role("button", name=TAKE).is_enabled()  # nothing was filed: it can be tried again

    store.failing = False
    birth.get_by_role("button", name=TAKE).click()
    msg.get_by_text("Đã lấy giấy tờ từ Kho dữ liệu quốc gia").wait_for()
    birth.get_by_text(f"Lấy từ Kho DLQG: {CODE}.pdf").wait_for()
    assert birth.get_by_role("button", name=TAKE).count() == 0  # the item is filled
    assert birth.get_attribute("class") == "done"
    check_page(page, "counter-national")
    assert [q["document_type"] for q in store.lookups] == ["NT01", "HT01", "HT01"]
    [component] = live.client("counter1").get(f"/api/v1/dossiers/{code}").json()["components"]
    assert (component["component_code"], component["from_national_store"], component["reused"]) == \
        (BIRTH, True, False)
    # a form is handed in new every time: no national store holds it, so it is not offered
    assert page.locator(f'tr[id="item-{FORM}"]').get_by_role("button", name=TAKE).count() == 0
