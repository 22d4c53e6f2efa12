"""The search page's document view shows the paper's warnings in Vietnamese, beside its review status
(a handler approving a blurred page should know it is blurred). Debian Chromium."""
from __future__ import annotations

import pytest

from catalog.models import Document
from tests import samples
from tests.api.browser import browser_page, check_page, chromium, live, log_in  # noqa: F401
from tests.archive import Archive


@pytest.mark.browser
def test_the_viewer_shows_a_papers_warnings(browser_page, live):
    archive = Archive(live.client("counter1"))
    document = archive.document(archive.dossier(resolved=None), review_status="pending",
                                warnings=["low_confidence:p1", "below_200_dpi"])
    with live.services.db.session() as s:  # a real one-page searchable PDF, so that its page is drawn
        live.services.store.put_bytes(s.get(Document, document).pdf_key, samples.blank_pdf(1))
    page = browser_page
    log_in(page, "handler1", "/login?next=/search")
    page.get_by_label("Từ khoá").fill("nguyen van duc")
    page.get_by_label("Từ khoá").press("Enter")
    page.locator(".hit a.open-doc").first.click()
    page.locator("#page-label").get_by_text("Trang 1/1").wait_for()
    notes = page.locator("#doc-meta ul.notices li.warn")
    assert notes.all_inner_texts() == ["Trang 1 mờ, khó đọc, đề nghị quét lại.",
                                       "Bản quét dưới 200 dpi (mức tối thiểu khi số hoá), đề nghị quét lại."]
    check_page(page, "search-viewer-warnings")
