"""The agency's key: ``sohoa keys init-dev`` throw-away keys, used (and said so) when nothing is
configured; private key and passphrase stay out of the catalog, the store and the logs."""
from __future__ import annotations

import logging
import stat

from click.testing import CliRunner

from core.settings import Settings, get_settings
from records.keys import DEV_PASS, dev_dir, open_signing_key, trust_roots
from sohoa.cli import main


def run(monkeypatch, data_dir, *args):
    monkeypatch.setenv("SOHOA_DATA_DIR", str(data_dir))
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(main, ["keys", *args], catch_exceptions=False)
    finally:
        get_settings.cache_clear()


def test_init_dev_makes_keys_that_sign_when_nothing_is_configured(tmp_path, monkeypatch, caplog):
    settings = Settings(data_dir=tmp_path / "var")
    assert open_signing_key(settings) is None and trust_roots(settings) == []
    assert "no signing key" in run(monkeypatch, settings.data_dir, "show").output

    made = run(monkeypatch, settings.data_dir, "init-dev")
    assert made.exit_code == 0 and "throw-away" in made.output
    folder = dev_dir(settings)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / DEV_PASS).stat().st_mode) == 0o600
    again = run(monkeypatch, settings.data_dir, "init-dev", "--if-missing")
    assert again.exit_code == 0 and again.output == ""  # make run calls it every time

    with caplog.at_level(logging.WARNING):
        key = open_signing_key(settings)
    assert key.source == "dev" and "development certificate" in caplog.text  # said on start-up
    passphrase = (folder / DEV_PASS).read_text().strip()
    assert passphrase not in caplog.text
    assert [c.subject.native["common_name"] for c in trust_roots(settings)] == ["BHXH Dev CA (không dùng thật)"]
    shown = run(monkeypatch, settings.data_dir, "show").stdout
    assert shown.startswith("dev: BHXH (chứng thư thử nghiệm)") and "trust roots: 1" in shown


def test_a_configured_key_takes_precedence_over_the_dev_keys(tmp_path, monkeypatch):
    from tests.records.pki import PASSPHRASE, make_pki

    settings = Settings(data_dir=tmp_path / "var")
    run(monkeypatch, settings.data_dir, "init-dev")
    pki = make_pki(tmp_path / "pki")
    configured = settings.model_copy(update={"signing_pkcs12": pki.p12(pki.agency, "agency"),
                                             "signing_passphrase": Settings(signing_passphrase=PASSPHRASE.decode())
                                             .signing_passphrase, "trust_dir": pki.trust_dir})
    key = open_signing_key(configured)
    assert key.source == "pkcs12" and key.subject == "BHXH Tỉnh Phú Thọ (thử nghiệm)"
    assert [c.subject.native["common_name"] for c in trust_roots(configured)] == ["Sohoa Test CA"]
    # a configured key without a trust folder trusts nothing (never the dev CA by accident)
    assert trust_roots(configured.model_copy(update={"trust_dir": None})) == []


def test_keys_check_signs_and_verifies_a_test_page_and_says_why_not(tmp_path, monkeypatch):
    from tests.records.pki import PASSPHRASE, make_pki, ocsp_responder, with_ocsp

    data_dir = tmp_path / "var"
    assert run(monkeypatch, data_dir, "check").exit_code == 1  # nothing configured
    run(monkeypatch, data_dir, "init-dev")
    checked = run(monkeypatch, data_dir, "check")
    assert checked.exit_code == 0 and "test signature: PAdES B-B, valid" in checked.output, checked.output

    pki = make_pki(tmp_path / "pki")
    secret = tmp_path / "signing-secret"
    secret.write_text("sai-mat-khau\n")
    monkeypatch.setenv("SOHOA_SIGNING_PKCS12", str(pki.p12(pki.stranger, "stranger")))
    monkeypatch.setenv("SOHOA_SIGNING_PASSPHRASE_FILE", str(secret))
    monkeypatch.setenv("SOHOA_TRUST_DIR", str(pki.trust_dir))
    wrong = run(monkeypatch, data_dir, "check")
    assert wrong.exit_code == 1 and "signing_key_unreadable" in wrong.output and "sai-mat-khau" not in wrong.output
    secret.write_bytes(PASSPHRASE + b"\n")
    untrusted = run(monkeypatch, data_dir, "check")
    assert untrusted.exit_code == 1 and "untrusted (untrusted" in untrusted.output, untrusted.output

    with ocsp_responder(pki.ca) as responder:
        holder = with_ocsp(pki.agency, pki.ca, responder.url)
        monkeypatch.setenv("SOHOA_SIGNING_PKCS12", str(pki.p12(holder, "agency-ocsp")))
        assert run(monkeypatch, data_dir, "check").exit_code == 0
        responder.revoke(holder.certificate)
        revoked = run(monkeypatch, data_dir, "check")
    assert revoked.exit_code == 1 and "invalid (revoked" in revoked.output, revoked.output


def test_a_missing_secret_file_is_a_clear_refusal(tmp_path):
    from core.errors import Unavailable
    from tests.records.pki import make_pki

    pki = make_pki(tmp_path / "pki")
    settings = Settings(data_dir=tmp_path / "var", signing_pkcs12=pki.p12(pki.agency, "agency"),
                        signing_passphrase_file=tmp_path / "no-such-secret")
    try:
        open_signing_key(settings)
    except Unavailable as refused:
        assert refused.code == "signing_secret_unreadable"
    else:
        raise AssertionError("opened a key without its passphrase")
    assert Settings(signing_pkcs12="", trust_dir="", signing_passphrase_file="").signing_pkcs12 is None  # compose's unset
