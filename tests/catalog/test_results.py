"""Results of earlier procedures as reusable papers (and superseded ones not), the reuse figures
for the reports, and an index rebuilt from the catalog that still knows all of it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from catalog import reuse
from catalog.models import Dossier
from tests.archive import OTHER_OWNER, paper
from tests.catalog.test_reuse import BIRTH, candidate_ids, items
from tests.catalog.test_reuse import reuse as attach
from tests.conftest import OWNER_ID, auth_header, open_dossier, wait_document
from tests.render import text_pdf

PENSION_DECISION = "1.000810.TP04"  # adjusting a pension asks for the pension decision (KQ01), reusable


def issue(client, tmp_path: Path, dossier: str, result_code: str, lines: list[str], **form) -> dict:
    """A handler attaches a born-digital result (text layer: no OCR) and waits until it is ready."""
    pdf = text_pdf([lines], tmp_path / f"{result_code}.pdf").read_bytes()
    r = client.post(f"/api/v1/dossiers/{dossier}/results", headers=auth_header(client, "handler1"),
                    files={"file": (f"{result_code}.pdf", pdf, "application/pdf")},
                    data={"result_code": result_code, **form})
    assert r.status_code == 201, r.text
    assert wait_document(client, r.json()["document_id"])["status"] == "ready"
    return r.json()


def test_a_result_of_an_earlier_procedure_is_offered_where_the_catalog_types_it_so(client, tmp_path):
    pension = open_dossier(client, procedure="1.000502")["code"]
    decision = issue(client, tmp_path, pension, "1.000502.KQ01",
                     ["QUYẾT ĐỊNH", "Về việc hưởng lương hưu hằng tháng"],
                     document_number="12/QĐ-BHXH", issue_date="2024-01-02")

    adjust = open_dossier(client, procedure="1.000810")
    [offered] = items(adjust["checklist"])[PENSION_DECISION]["candidates"]
    assert offered["document_id"] == decision["document_id"] and offered["document_number"] == "12/QĐ-BHXH"
    assert offered["source"]["kind"] == "result" and offered["source"]["dossier_code"] == pension
    assert offered["source"]["result_code"] == "1.000502.KQ01" and offered["source"]["procedure_code"] == "1.000502"
    r = attach(client, adjust["code"], decision["document_id"])
    assert r.status_code == 201, r.text
    assert r.json()["components"][0]["source"] == {"kind": "result", "dossier_code": pension}
    # the index files the result under the dossier that issued it and the one that reused it
    hits = client.get("/api/v1/search", params={"dossier": pension}).json()["hits"]
    assert [h["id"] for h in hits] == [decision["document_id"]]

    # the adjustment decision replaces it: later dossiers get no superseded decision
    issue(client, tmp_path, adjust["code"], "1.000810.KQ01", ["QUYẾT ĐỊNH", "Về việc điều chỉnh mức hưởng lương hưu"],
          issue_date="2025-03-03", replaces_code=decision["digitization_code"])
    later = open_dossier(client, procedure="1.000810")
    assert candidate_ids(later["checklist"], PENSION_DECISION) == []
    assert attach(client, later["code"], decision["document_id"]).json()["code"] == "not_reusable_superseded"


def test_reuse_figures_per_dossier_and_over_a_period(client, archive, as_user):
    services = archive.services
    first = archive.dossier(resolved=None)
    birth, card = paper(archive, first, "HT01"), paper(archive, first, "NT01")
    reusing = open_dossier(client, procedure="1.000123")["code"]
    for document_id in (birth, card):
        assert attach(client, reusing, document_id).status_code == 201
    paper(archive, reusing, "BH01")  # the form, scanned for this dossier
    elsewhere = open_dossier(client, owner=OTHER_OWNER, procedure="1.000123")["code"]
    paper(archive, elsewhere, "HT01")
    with services.db.session() as s:  # a dossier of another office, in the same period
        s.query(Dossier).filter(Dossier.code == elsewhere).update({"office_code": "PT02"})

    assert client.get(f"/api/v1/dossiers/{reusing}").json()["reuse"] == {
        "components": 3, "reused": 2, "digitized": 1, "share": round(2 / 3, 4)}
    now = datetime.now(timezone.utc)
    with services.db.session() as s:
        province = reuse.totals(s, received_from=now - timedelta(days=1), received_before=now + timedelta(days=1))
        office = reuse.totals(s, office_code="PT01")
        before = reuse.totals(s, received_before=now - timedelta(days=1))
    assert province.to_json() == {"components": 6, "reused": 2, "digitized": 4, "share": 0.3333,
                                  "dossiers": 3, "dossiers_reusing": 1}
    assert (office.components, office.reused, office.dossiers) == (5, 2, 2)
    assert (before.components, before.dossiers, before.share) == (0, 0, 0.0)


def test_reindex_from_the_catalog_keeps_reuse_and_merged_codes(client, archive, as_user, cli):
    first = archive.dossier(resolved=None)
    birth = paper(archive, first, "HT01")
    second = open_dossier(client, procedure="1.000123")["code"]
    attach(client, second, birth, BIRTH)
    archive.dossier(owner="001203004568", resolved=None)
    client.post(f"/api/v1/owners/{OWNER_ID}/merge", headers=as_user("archivist1"),
                json={"merge": "001203004568", "reason": "Nhập sai một chữ số định danh"})
    archive.services.index.clear()
    assert client.get("/api/v1/search", params={"owner": OWNER_ID}).json()["total"] == 0
    result = cli("reindex")
    assert result.exit_code == 0, result.output
    for params in ({"dossier": second}, {"owner": "001203004568"}, {"procedure": "1.000123"}):
        assert [h["id"] for h in client.get("/api/v1/search", params=params).json()["hits"]] == [birth], params
