"""End to end, as the issue states it: a birth certificate scanned for one procedure is offered to a
later procedure of the same citizen, attached without storing anything new; an expired paper is
not offered (disposed ones: test_candidates.py, through the disposal API), and another citizen's
papers never appear. Real rendered scan, real OCR, the real classifier decides the type; a handler
approves it through the review API."""
from __future__ import annotations

import io
from datetime import date

import pytest

from tests.api.test_coding import BIRTH_CERTIFICATE
from tests.archive import OTHER_OWNER, paper
from tests.catalog.test_reuse import BIRTH, candidate_ids, items, reuse, stored
from tests.conftest import OWNER_ID, auth_header, open_dossier, wait_document
from tests.render import encode, noisy, render_lines

pytestmark = pytest.mark.e2e


def test_a_birth_certificate_digitized_once_serves_a_later_procedure(client, archive):
    services = client.app.state.services
    handler = auth_header(client, "handler1")

    # Dossier 1, maternity benefit (1.000457): the counter scans the birth certificate.
    first = open_dossier(client, procedure="1.000457", full_name="Nguyễn Văn Đức")
    assert candidate_ids(first["checklist"], "1.000457.TP02") == []  # nothing digitized yet
    scan = encode(noisy(render_lines(BIRTH_CERTIFICATE, dpi=200, font_pt=12)), "JPEG", quality=85)
    r = client.post(f"/api/v1/dossiers/{first['code']}/components", data={"component_code": "1.000457.TP02"},
                    files={"files": ("giay-khai-sinh.jpg", io.BytesIO(scan), "image/jpeg")})
    assert r.status_code == 202, r.text
    birth = wait_document(client, r.json()["documents"][0]["id"], timeout=240)
    assert birth["status"] == "ready"
    assert birth["document_type"]["code"] == "HT01", birth["document_type"]  # the classifier's decision
    if birth["needs_review"]:  # a doubtful proposal is confirmed by the counter before review
        assert client.post(f"/api/v1/documents/{birth['id']}/type", json={"code": "HT01"}).status_code == 200
    r = client.post(f"/api/v1/documents/{birth['id']}/review", json={"decision": "approved"}, headers=handler)
    assert r.status_code == 200, r.text
    assert r.json()["record"]["digitization_code"] == f"{OWNER_ID}.HT01.UBND.01"

    # Papers that must not be offered: the same owner's expired one, another owner's.
    expired = paper(archive, first["code"], "HT01", permanent=False, valid_until=date(2020, 1, 1))
    strangers = paper(archive, archive.dossier(owner=OTHER_OWNER, resolved=None), "HT01")

    # Dossier 2, adjusting the insurance record (1.000123), which needs a birth certificate.
    before = stored(services)
    second = open_dossier(client, procedure="1.000123")
    [candidate] = items(second["checklist"])[BIRTH]["candidates"]
    assert candidate["document_id"] == birth["id"] and expired != birth["id"] != strangers
    assert candidate["source"]["kind"] == "uploaded" and candidate["source"]["dossier_code"] == first["code"]
    assert candidate["digitization_code"] == f"{OWNER_ID}.HT01.UBND.01"

    r = reuse(client, second["code"], candidate["document_id"], BIRTH)
    assert r.status_code == 201, r.text
    [component] = r.json()["components"]
    assert component["reused"] and component["source"] == {"kind": "uploaded", "dossier_code": first["code"]}
    assert r.json()["reuse"]["share"] == 1.0
    assert stored(services) == before, "no new object, no new document"

    # The handler finds it at once under either dossier, with or without diacritics.
    for params in ({"q": "giay khai sinh", "dossier": second["code"]}, {"q": "Giấy khai sinh", "owner": OWNER_ID},
                   {"q": f"{OWNER_ID}.HT01.UBND.01"}):
        hits = client.get("/api/v1/search", params=params).json()["hits"]
        assert [h["id"] for h in hits][:1] == [birth["id"]], params
    assert strangers not in {h["id"] for h in client.get("/api/v1/search", params={"owner": OWNER_ID}).json()["hits"]}

    # Scanning the very same file again also lands on the digitized paper.
    again = client.post(f"/api/v1/dossiers/{second['code']}/components",
                        files={"files": ("lai.jpg", io.BytesIO(scan), "image/jpeg")}).json()["documents"][0]
    assert again["duplicate"] is True and again["id"] == birth["id"]
    assert stored(services) == before
