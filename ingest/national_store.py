"""The national data store (Kho dữ liệu quốc gia): look a paper up by owner identifier and
document type, and take it into a dossier as if the citizen had handed it in.

The domain side is :class:`NationalStore`; :class:`HttpNationalStore` speaks HTTP
(``SOHOA_NATIONAL_STORE_URL``, chosen by scheme in ``sohoa/services.py``; no URL: switched off).
The owner's identifier travels in a POST body, never in a URL, where proxies and access logs
would keep it. The store's wire format is not published; ours is: ``POST {url}/lookup`` with
``{"owner": ..., "document_type": ...}`` answers 404 or ``{"code", "document_type", "filename",
"media_type", "document_number", "issue_date", "issuing_agency", "valid_until", "file"}``, and
``GET`` of ``file`` (absolute, or relative to the store's URL) gives the paper's bytes.

:func:`take` runs the file through the same intake as an upload (ingest/intake.py: name, size,
type from the bytes, content address, journal), then records it as taken from the store.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

import httpx

from catalog import national_papers
from catalog.audit import Actor
from catalog.national_papers import StoredRecord
from core.errors import Conflict, NotFound, TooLarge, Unavailable
from ingest.intake import Accepted, Upload, accept
from ingest.services import Services


@dataclass(frozen=True)
class NationalPaper:
    record: StoredRecord
    filename: str
    content: bytes


class NationalStore(Protocol):
    def fetch(self, owner_code: str, document_type_code: str, *, max_bytes: int) -> NationalPaper:
        """The owner's paper of that type: NotFound when the store has none, Unavailable when
        the store cannot be reached, TooLarge past ``max_bytes``."""

    def close(self) -> None: ...


def unavailable() -> Unavailable:
    return Unavailable("national_store_unavailable", "Kho dữ liệu quốc gia không trả lời; thử lại sau hoặc "
                                                     "nhận bản giấy của công dân.")


class HttpNationalStore:
    def __init__(self, url: str, *, token: str = "", timeout: float = 20.0) -> None:
        self.url = url.rstrip("/")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(timeout=timeout, headers=headers, follow_redirects=False)

    def fetch(self, owner_code: str, document_type_code: str, *, max_bytes: int) -> NationalPaper:
        try:
            found = self._http.post(f"{self.url}/lookup", json={"owner": owner_code, "document_type": document_type_code})
            if found.status_code == 404:
                raise NotFound("national_paper_not_found", f"Kho dữ liệu quốc gia không có giấy tờ loại "
                                                           f"{document_type_code} của chủ hồ sơ.")
            if found.status_code != 200:
                raise unavailable()
            meta = found.json()
            record = _stored_record(meta)
            content = self._download(str(meta["file"]), max_bytes)
        except httpx.HTTPError:
            raise unavailable() from None
        except (KeyError, TypeError, ValueError):
            raise Unavailable("national_store_bad_answer", "Kho dữ liệu quốc gia trả lời không đúng định dạng.") from None
        return NationalPaper(record, str(meta.get("filename") or f"{record.code}.pdf"), content)

    def _download(self, link: str, max_bytes: int) -> bytes:
        url = link if link.startswith(("http://", "https://")) else f"{self.url}/{link.lstrip('/')}"
        buffer = bytearray()
        with self._http.stream("GET", url) as response:
            if response.status_code != 200:
                raise unavailable()
            for chunk in response.iter_bytes():
                buffer += chunk
                if len(buffer) > max_bytes:
                    raise TooLarge("file_too_large", f"Tệp từ Kho dữ liệu quốc gia vượt quá {max_bytes // (1024 * 1024)} MB.")
        return bytes(buffer)

    def close(self) -> None:
        self._http.close()


def _stored_record(meta: dict[str, Any]) -> StoredRecord:
    def day(name: str) -> date | None:
        value = meta.get(name)
        return date.fromisoformat(value) if value else None

    return StoredRecord(code=str(meta["code"]), document_type_code=str(meta["document_type"]),
                        document_number=meta.get("document_number"), issue_date=day("issue_date"),
                        issuing_agency=meta.get("issuing_agency"), valid_until=day("valid_until"))


def open_national_store(url: str, *, token: str = "", timeout: float = 20.0) -> NationalStore | None:
    if not url:
        return None
    scheme = url.split(":", 1)[0].lower()
    if scheme in ("http", "https"):
        return HttpNationalStore(url, token=token, timeout=timeout)
    raise ValueError(f"SOHOA_NATIONAL_STORE_URL: unsupported scheme {scheme!r} (use http:// or https://)")


def take(services: Services, dossier_code: str, component_code: str | None, document_type_code: str,
         actor: Actor) -> Accepted:
    """Fetch the owner's paper from the store and file it in the dossier like an upload."""
    store = services.national_store
    if store is None:
        # 409, not 503: the service is up and nothing is wrong with it; this archive has no store.
        raise Conflict("national_store_disabled", "Chưa kết nối Kho dữ liệu quốc gia (SOHOA_NATIONAL_STORE_URL "
                                                  "chưa được cấu hình); nhận giấy tờ của công dân như thường lệ.")
    with services.db.session() as s:
        request = national_papers.check_request(s, dossier_code, component_code, document_type_code)
    paper = store.fetch(request.owner_code, document_type_code, max_bytes=services.settings.max_upload_bytes)
    with services.db.session() as s:
        national_papers.check_stored(s, paper.record, document_type_code)
    (accepted,) = accept(services, [Upload(io.BytesIO(paper.content), paper.filename)], request.owner_id,
                         request.dossier_id, component_code, actor=actor)
    with services.db.session() as s:
        national_papers.record_taken(s, request, accepted.document_id, paper.record, actor)
    return accepted
