"""Real HTTP servers on 127.0.0.1 standing for the national portal and the national data store,
for the tests of ingest/portal.py and ingest/national_store.py.

:class:`PortalServer` keeps what it received by ``Idempotency-Key`` (a record delivered twice is
recognised, answered 200 and stored once) and answers from a script: ``"500"`` (fail),
``"stall"`` (store the record, then answer too late for the client: the answer is lost),
``"400"`` (refuse), ``"ok"``; once the script is used up it answers ``ok``. A record that does
not match catalog/data/portal/sync_record.schema.json is refused (400) and kept in ``invalid``.
"""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jsonschema

from catalog.portal_record import schema
from tests.conftest import OWNER_ID
from tests.render import text_pdf


class PortalServer:
    def __init__(self, script: list[str] | None = None, *, stall_s: float = 1.5) -> None:
        self.script = list(script or [])
        self.stall_s = stall_s
        self.stored: dict[str, dict[str, Any]] = {}
        self.deliveries: list[str] = []  # the key of every request, in order
        self.duplicates: list[str] = []  # keys that came again after being stored
        self.invalid: list[str] = []  # records that broke the schema
        self.validator = jsonschema.Draft202012Validator(schema())
        self.lock = threading.Lock()
        self.url = ""

    def next_answer(self) -> str:
        with self.lock:
            return self.script.pop(0) if self.script else "ok"

    def handle(self, key: str | None, body: dict[str, Any]) -> tuple[int, dict[str, Any], float]:
        answer = self.next_answer()
        with self.lock:
            self.deliveries.append(key or "")
            if not self.validator.is_valid(body):
                self.invalid.append(key or "")
                return 400, {"error_code": "schema"}, 0.0
            if answer in ("500", "400"):
                return int(answer), {"error_code": answer}, 0.0
            if key in self.stored:
                self.duplicates.append(key)
                return 200, {"error_code": "0", "message": "đã nhận trước đó"}, 0.0
            self.stored[key or ""] = body
        return 200, {"error_code": "0"}, self.stall_s if answer == "stall" else 0.0


def _handler(portal: PortalServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            status, answer, delay = portal.handle(self.headers.get("Idempotency-Key"), body)
            if delay:
                time.sleep(delay)
            data = json.dumps(answer).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting
                pass

        def log_message(self, *args: object) -> None:
            pass

    return Handler


class NationalStoreServer:
    """``POST /lookup`` finds a paper by owner and type; ``GET /files/<code>`` serves its bytes.
    ``failing`` makes every lookup answer 500."""

    def __init__(self) -> None:
        self.papers: dict[tuple[str, str], tuple[dict[str, Any], bytes]] = {}
        self.lookups: list[dict[str, Any]] = []
        self.failing = False
        self.url = ""

    def add(self, owner: str, document_type: str, code: str, content: bytes, **meta: Any) -> None:
        self.papers[(owner, document_type)] = ({"code": code, "document_type": document_type,
                                                "filename": f"{code}.pdf", "media_type": "application/pdf",
                                                "file": f"/files/{code}", **meta}, content)


BIRTH_CERTIFICATE_CODE = "KDL.000123456"


def store_with_birth_certificate(tmp_path: Path) -> NationalStoreServer:
    """A national data store holding the test citizen's birth certificate (HT01) and nothing else."""
    store = NationalStoreServer()
    pdf = text_pdf([["GIẤY KHAI SINH", "Họ, chữ đệm, tên: NGUYỄN VĂN ĐỨC", "Ngày sinh: 02/05/2010"]],
                   tmp_path / "khai-sinh.pdf").read_bytes()
    store.add(OWNER_ID, "HT01", BIRTH_CERTIFICATE_CODE, pdf, document_number="123/KS", issue_date="2010-05-02",
              issuing_agency="UBND phường Bến Nghé")
    return store


def _store_handler(store: NationalStoreServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, data: bytes, content_type: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:  # noqa: N802
            query = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            store.lookups.append(query)
            if store.failing:
                return self._answer(500, b"{}")
            found = store.papers.get((query.get("owner"), query.get("document_type")))
            if self.path != "/lookup" or found is None:
                return self._answer(404, b'{"error": "not found"}')
            return self._answer(200, json.dumps(found[0]).encode())

        def do_GET(self) -> None:  # noqa: N802
            for meta, content in store.papers.values():
                if self.path == meta["file"]:
                    return self._answer(200, content, meta["media_type"])
            return self._answer(404, b"{}")

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@contextmanager
def serving(target: PortalServer | NationalStoreServer) -> Iterator[str]:
    """Serve ``target`` on a free loopback port for the block; yields (and sets) its URL."""
    handler = _handler(target) if isinstance(target, PortalServer) else _store_handler(target)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    target.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield target.url
    finally:
        server.shutdown()
        server.server_close()
