"""The web pages without a browser: each page's own weight, nothing from outside the service, the
content policy that keeps injected markup from running scripts, and the public procedure list."""
from __future__ import annotations

import re

import pytest

PAGES = ["/", "/login", "/search", "/archive", "/procedures", "/setup", "/dossiers"]
LIMIT = 300 * 1024


@pytest.mark.parametrize("path", PAGES)
def test_each_page_weighs_under_300_kb_and_loads_nothing_from_outside(client, path):
    r = client.get(path, headers={"Authorization": ""})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assets = re.findall(r'(?:src|href)="([^"#]+)"', html)
    assert all(a.startswith("/") and not a.startswith("//") for a in assets), assets  # no CDN
    weight = len(r.content)
    for asset in {a for a in assets if a.startswith("/static/")}:
        a = client.get(asset)
        assert a.status_code == 200, asset
        weight += len(a.content)
    assert weight < LIMIT, f"{path}: {weight} bytes"
    policy = r.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy
    assert "<script>" not in html and " style=" not in html  # the policy would block them anyway


def test_the_procedure_list_is_public_and_matches_without_diacritics(client):
    r = client.get("/api/v1/catalog/procedures", params={"q": "che do thai san"}, headers={"Authorization": ""})
    assert r.status_code == 200, r.text
    [found] = r.json()["procedures"]
    assert found["code"] == "1.000457" and found["processing_days"] == 6
    assert found["components"][0]["mandatory"]  # mandatory papers first
    assert {c["code"] for c in found["components"]} >= {"1.000457.TP01", "1.000457.TP02"}
    assert [p["code"] for p in client.get("/api/v1/catalog/procedures?q=1.00045").json()["procedures"]] == [
        "1.000456", "1.000457"]
    assert client.get("/api/v1/catalog/procedures?q=khong-co-thu-tuc-nay").json()["procedures"] == []
    assert client.get("/api/v1/catalog/procedures", params={"q": "x" * 201}).status_code == 422


def test_the_procedures_page_is_rendered_on_the_server_without_sign_in(client):
    html = client.get("/procedures", headers={"Authorization": ""}).text
    assert "1.000457 — Giải quyết hưởng chế độ thai sản" in html
    assert "6 ngày làm việc" in html and "Giấy khai sinh hoặc trích lục khai sinh của con" in html


def test_the_procedures_page_is_searched_and_paged_on_the_server(client, monkeypatch):
    monkeypatch.setattr("api.routers.web.PER_PAGE", 5)
    codes = lambda html: re.findall(r'data-code="([^"]+)"', html)  # noqa: E731
    first, second = client.get("/procedures").text, client.get("/procedures?trang=2").text
    assert len(codes(first)) == 5 and len(codes(second)) == 5 and not set(codes(first)) & set(codes(second))
    assert "18 thủ tục, trang 1/4" in first and 'href="/procedures?q=&amp;trang=2"' in first
    found = client.get("/procedures", params={"q": "ốm đau"}).text
    assert codes(found) == ["1.000456"] and "1 thủ tục." in found
    assert client.get("/procedures?trang=0").status_code == 422
    assert '<script>alert(1)</script>' not in client.get("/procedures", params={"q": "<script>alert(1)</script>"}).text
