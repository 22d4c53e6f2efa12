"""The search page's office select in Debian Chromium: the user's own office first, another office,
every office, and the whole scope of a province-wide archivist; an estimated total; axe-core on the page."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog.models import Dossier
from catalog.users import Office, Role, create_user
from tests.api.browser import browser_page, check_page, chromium, live, log_in  # noqa: F401
from tests.archive import Archive, paper
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def offices(live) -> dict[str, str]:
    """Three offices (two of province PT), a birth certificate in a dossier of each, and a
    province-wide archivist of PT01."""
    counter = live.client("counter1")
    archive = Archive(counter)
    with live.services.db.session() as s:
        for code, name, province in (("PT01", "BHXH thành phố Việt Trì", "PT"), ("PT02", "BHXH huyện Phù Ninh", "PT"),
                                     ("HN01", "BHXH quận Ba Đình", "HN")):
            office = s.get(Office, code) or s.merge(Office(code=code, name=name))
            office.name, office.province_code = name, province
        create_user(s, "archivist9", PASSWORD, Role.archivist, "PT01", scope="province")
    papers = {}
    for code, place in (("PT01", "Việt Trì"), ("PT02", "Phù Ninh"), ("HN01", "Ba Đình")):
        dossier = archive.dossier(resolved=None)
        with live.services.db.session() as s:
            s.scalars(select(Dossier).where(Dossier.code == dossier)).one().office_code = code
        papers[code] = paper(archive, dossier, "HT01", text=f"GIẤY KHAI SINH. Nơi đăng ký: {place}")
    return papers


def results(page) -> list[str]:
    """Search, and the office named on each hit (the previous answer is wiped first, so that the
    wait below is for this one)."""
    page.evaluate("() => { for (const id of ['results', 'search-msg']) document.getElementById(id).textContent = ''; }")
    page.get_by_role("button", name="Tìm", exact=True).click()
    page.locator("#search-msg").get_by_text("kết quả").wait_for()
    return sorted(page.locator(".hit .office").all_inner_texts())


def test_the_office_select_narrows_the_search(browser_page, live, offices):
    page = browser_page
    log_in(page, "handler1", "/login?next=/search")
    select_ = page.get_by_label("Đơn vị", exact=True)
    select_.locator("option").nth(1).wait_for(state="attached")
    assert select_.input_value() == "PT01"  # one's own office first
    assert "Tất cả đơn vị trong phạm vi" not in select_.inner_text()  # an office scope has no wider scope
    page.get_by_label("Từ khoá").fill("giay khai sinh")
    assert results(page) == ["BHXH thành phố Việt Trì"]
    select_.select_option("PT02")
    assert results(page) == ["BHXH huyện Phù Ninh"]
    select_.select_option(label="Tất cả đơn vị")
    assert results(page) == ["BHXH huyện Phù Ninh", "BHXH quận Ba Đình", "BHXH thành phố Việt Trì"]
    check_page(page, "search-offices-all")


def test_a_province_archivist_searches_the_whole_scope(browser_page, live, offices):
    page = browser_page
    log_in(page, "archivist9", "/login?next=/search")
    select_ = page.get_by_label("Đơn vị", exact=True)
    select_.locator("option").nth(1).wait_for(state="attached")
    assert select_.input_value() == "PT01"
    select_.select_option(label="Tất cả đơn vị trong phạm vi (2 đơn vị)")
    page.get_by_label("Từ khoá").fill("khai sinh")
    assert results(page) == ["BHXH huyện Phù Ninh", "BHXH thành phố Việt Trì"]  # not Ba Đình: another province
    page.locator("#f-office").focus()
    check_page(page, "search-offices")


@pytest.fixture
def every_count_sampled(monkeypatch):
    """Every search's count estimated over a sample that is the whole index (one bucket): set before
    the papers are indexed, which puts each in its bucket."""
    import search.embedded as embedded

    monkeypatch.setattr(embedded, "ESTIMATE_ABOVE_DOCS", 0)
    monkeypatch.setattr(embedded, "ESTIMATE_MIN_SAMPLED", 1)
    monkeypatch.setattr(embedded, "SAMPLE_BUCKETS", 1)


def test_an_estimated_total_reads_as_one(every_count_sampled, browser_page, live):
    archive = Archive(live.client("counter1"))
    dossier = archive.dossier(resolved=None)
    for n in range(25):  # more than a page: a first page that holds every match is counted exactly
        paper(archive, dossier, "HT01", text=f"GIẤY KHAI SINH số {n}")
    page = browser_page
    log_in(page, "handler1", "/login?next=/search")
    select_ = page.get_by_label("Đơn vị", exact=True)
    select_.locator("option").nth(1).wait_for(state="attached")
    select_.select_option(label="Tất cả đơn vị")
    page.get_by_label("Từ khoá").fill("giay khai sinh")
    assert len(results(page)) == 20
    assert page.locator("#search-msg").inner_text().startswith("Khoảng 25 kết quả")
    check_page(page, "search-estimate")
