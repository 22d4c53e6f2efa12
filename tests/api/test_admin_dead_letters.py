"""Dead letters: a document whose every attempt failed shows why, is listed for archivists, and
goes back to the queue once its cause is fixed."""
from __future__ import annotations

import hashlib

from catalog.audit import AuditEntry
from catalog.models import Document
from storage import content_key
from tests import samples
from tests.conftest import auth_header, wait_document


def test_dead_letters_are_listed_for_archivists_and_can_be_retried(client):
    services = client.app.state.services
    data = samples.png_page()
    sha = hashlib.sha256(data).hexdigest()
    with services.db.session() as s:  # accepted, but its original never reached storage
        document = Document(sha256=sha, media_type="image/png", filename="mat-ban-goc.png", size=len(data),
                            status="pending", page_count=1)
        s.add(document)
        s.flush()
        document_id = document.id
    services.queue.submit(document_id)

    body = wait_document(client, document_id)
    assert (body["status"], body["error"]["code"], body["attempts"]) == ("failed", "dead_letter", 3)
    assert "3 lần" in body["error"]["message"]

    archivist = auth_header(client, "archivist1")
    assert client.get("/api/v1/admin/dead-letters").status_code == 403  # the counter cannot see the list
    (listed,) = client.get("/api/v1/admin/dead-letters", headers=archivist).json()
    assert (listed["id"], listed["attempts"], listed["error"]["code"]) == (document_id, 3, "dead_letter")

    services.store.put_bytes(content_key(sha), data)  # the cause is fixed
    r = client.post(f"/api/v1/admin/dead-letters/{document_id}/retry", headers=archivist)
    assert r.status_code == 202 and r.json()["status"] == "pending"
    body = wait_document(client, document_id)
    assert (body["status"], body["attempts"], body["error"]) == ("ready", 1, None)
    assert client.get("/api/v1/admin/dead-letters", headers=archivist).json() == []
    again = client.post(f"/api/v1/admin/dead-letters/{document_id}/retry", headers=archivist)
    assert again.status_code == 404 and again.json()["code"] == "dead_letter_not_found"
    with services.db.session() as s:
        retries = s.query(AuditEntry).filter_by(action="document.retry", object_id=document_id).all()
    assert [e.actor for e in retries] == ["archivist1"]
