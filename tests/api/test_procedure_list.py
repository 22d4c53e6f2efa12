"""GET /api/v1/catalog/procedures: public, matched by code prefix or name words with or without diacritics."""
from __future__ import annotations


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
