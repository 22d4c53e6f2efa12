"""Verification outcomes reused on the same bytes, trust roots and time bucket: left behind when the
trust folder changes, never kept for altered bytes, outlived by a revocation only until the bucket
ends; the fixity job always verifies afresh."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from catalog.signatures import SignatureStatus
from core.clock import utcnow
from records.keys import issue
from records.signature_cache import VERDICTS, VerdictCache, cache_key, trust_fingerprint
from records.signatures import sign_pdf, verify_stored
from tests.records.pki import asn1, make_pki, ocsp_responder, with_ocsp
from tests.records.test_signatures import key_for, scanned_pdf, settings_with


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def fresh_cache():
    VERDICTS.clear()
    yield VERDICTS
    VERDICTS.clear()


def signed_copy(pki, tmp_path, holder=None) -> tuple[bytes, str]:
    signed, _ = sign_pdf(scanned_pdf(), key_for(pki, tmp_path, holder), roots=[asn1(pki.ca.certificate)],
                         reason="duyệt", location="PT01")
    return signed, hashlib.sha256(signed).hexdigest()


def test_a_verdict_is_reused_until_the_trust_set_changes(pki, tmp_path, fresh_cache):
    settings = settings_with(tmp_path, trust_dir=pki.trust_dir)
    data, sha = signed_copy(pki, tmp_path)
    assert verify_stored(data, sha, settings).status == SignatureStatus.valid
    assert verify_stored(data, sha, settings).status == SignatureStatus.valid
    assert (fresh_cache.misses, fresh_cache.hits) == (1, 1)

    extra = pki.trust_dir / "other-ca.pem"
    extra.write_bytes(issue("Another CA", organisation="Other", ca=True).pem())  # the trust set changed
    try:
        assert verify_stored(data, sha, settings).status == SignatureStatus.valid
        assert (fresh_cache.misses, fresh_cache.hits) == (2, 1)
    finally:
        extra.unlink()
    (pki.trust_dir / "ca.pem").rename(pki.trust_dir / "ca.pem.off")  # the agency's CA removed
    try:
        assert verify_stored(data, sha, settings).status == SignatureStatus.untrusted
    finally:
        (pki.trust_dir / "ca.pem.off").rename(pki.trust_dir / "ca.pem")
    assert verify_stored(data, sha, settings).status == SignatureStatus.valid  # back: the first verdict
    assert fresh_cache.hits == 2


def test_altered_bytes_are_judged_afresh_and_never_kept(pki, tmp_path, fresh_cache):
    settings = settings_with(tmp_path, trust_dir=pki.trust_dir)
    data, sha = signed_copy(pki, tmp_path)
    assert verify_stored(data, sha, settings).status == SignatureStatus.valid
    damaged = bytearray(data)
    damaged[len(data) // 3] ^= 0x01
    for _ in range(2):
        verdict = verify_stored(bytes(damaged), sha, settings)
        assert (verdict.status, verdict.reason) == (SignatureStatus.invalid, "altered")
    assert len(fresh_cache) == 1 and fresh_cache.hits == 0


def test_a_revocation_shows_when_the_time_bucket_ends_and_at_once_in_fixity(pki, tmp_path, fresh_cache):
    settings = settings_with(tmp_path, trust_dir=pki.trust_dir, signature_cache_minutes=60)
    with ocsp_responder(pki.ca) as responder:
        holder = with_ocsp(pki.agency, pki.ca, responder.url)
        data, sha = signed_copy(pki, tmp_path, holder)
        now = utcnow()
        assert verify_stored(data, sha, settings, at=now).status == SignatureStatus.valid
        responder.revoke(holder.certificate)
        assert verify_stored(data, sha, settings, at=now).status == SignatureStatus.valid  # within the hour
        assert verify_stored(data, sha, settings, cached=False).reason == "revoked"         # fixity: afresh
        later = verify_stored(data, sha, settings, at=now + timedelta(minutes=61))
        assert (later.status, later.reason) == (SignatureStatus.invalid, "revoked")
        off = settings.model_copy(update={"signature_cache_minutes": 0})
        asked = len(responder.requests)
        assert verify_stored(data, sha, off).reason == "revoked" and len(responder.requests) > asked


def test_the_key_and_the_cache_bounds():
    a, b = issue("A", organisation="A", ca=True), issue("B", organisation="B", ca=True)
    ra, rb = asn1(a.certificate), asn1(b.certificate)
    assert trust_fingerprint([ra, rb]) == trust_fingerprint([rb, ra, ra]) != trust_fingerprint([ra])
    now = utcnow()
    assert cache_key("s", [ra], True, 0, now) is None
    assert cache_key("s", [ra], True, 60, now) != cache_key("s", [ra], False, 60, now)
    cache = VerdictCache(max_entries=2)
    for n in range(3):
        cache.get_or_compute(("k", n), lambda n=n: n)
    assert len(cache) == 2 and cache.get_or_compute(("k", 0), lambda: "again") == "again"
