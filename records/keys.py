"""The agency's signing key and the trust roots signatures are checked against.

One interface, two places a key lives: a PKCS#12 file (the embedded default) or a PKCS#11 token
(the USB tokens agencies sign with; SoftHSM2 in the tests). Either way pyHanko gets a ``Signer``
and the private key stays where it is: never copied into the catalog, the object store or a log,
and the passphrase or PIN is never logged (settings hold them as secrets).

``sohoa keys init-dev`` (:func:`init_dev`) makes a throw-away CA and agency certificate under
``data_dir/keys/dev``; with nothing configured they are used, and start-up says so.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pydantic import SecretStr
from pyhanko.sign import signers

from core.errors import Unavailable
from core.settings import Settings

log = logging.getLogger(__name__)

DEV_DIR = Path("keys") / "dev"  # under data_dir
DEV_CA, DEV_P12, DEV_PASS = "ca.pem", "agency.p12", "agency.pass"


@dataclass
class SigningKey:
    """A ready pyHanko signer with its certificate; ``lock`` serialises use of a token session."""

    signer: signers.Signer
    certificate: asn1_x509.Certificate
    source: str  # pkcs12 | pkcs11 | dev
    close: Callable[[], None] = lambda: None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def subject(self) -> str:
        return signer_name(self.certificate)

    def check_usable(self, now: dt.datetime) -> None:
        """Refuse to sign with a certificate outside its validity period."""
        validity = self.certificate["tbs_certificate"]["validity"]
        if not validity["not_before"].native <= now <= validity["not_after"].native:
            raise Unavailable("signing_certificate_expired",
                              "Chứng thư số của cơ quan đã hết hạn hoặc chưa có hiệu lực; không ký được.")


def signer_name(certificate: asn1_x509.Certificate) -> str:
    """The name a person reads: the subject's common name, else its organisation."""
    subject = certificate.subject.native
    return subject.get("common_name") or subject.get("organization_name") or certificate.subject.human_friendly


def dev_dir(settings: Settings) -> Path:
    return settings.data_dir / DEV_DIR


def open_signing_key(settings: Settings) -> SigningKey | None:
    """The configured key: a PKCS#11 token, else a PKCS#12 file, else the development keys if
    ``sohoa keys init-dev`` made them, else None (papers are approved unsigned)."""
    if settings.signing_pkcs11_module:
        return _open_pkcs11(settings)
    if settings.signing_pkcs12 is not None:
        passphrase = secret_value(settings.signing_passphrase, settings.signing_passphrase_file)
        return _open_pkcs12(settings.signing_pkcs12, passphrase.encode(), "pkcs12")
    dev = dev_dir(settings)
    if (dev / DEV_P12).exists():
        log.warning("signing with the throw-away development certificate in %s (sohoa keys init-dev); "
                    "configure SOHOA_SIGNING_PKCS12 or SOHOA_SIGNING_PKCS11_MODULE for real use", dev)
        return _open_pkcs12(dev / DEV_P12, (dev / DEV_PASS).read_bytes().strip(), "dev")
    return None


def secret_value(value: SecretStr, path: Path | None) -> str:
    """A passphrase or PIN: from its file when one is named (a Docker secret, mounted read-only),
    else from the setting itself. One trailing newline, as editors write it, is not part of it."""
    if path is None:
        return value.get_secret_value()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise Unavailable("signing_secret_unreadable",
                          "Không đọc được tệp mật khẩu của khoá ký số (kiểm tra tệp secret và quyền đọc).") from exc
    return text.removesuffix("\n").removesuffix("\r")


def _open_pkcs12(path: Path, passphrase: bytes, source: str) -> SigningKey:
    try:
        signer = signers.SimpleSigner.load_pkcs12(str(path), passphrase=passphrase or None)
    except (OSError, ValueError) as exc:
        raise Unavailable("signing_key_unreadable", "Không đọc được tệp khoá ký số của cơ quan.") from exc
    if signer is None:  # pyHanko answers None to a wrong passphrase or a file that is not PKCS#12
        raise Unavailable("signing_key_unreadable", "Không mở được tệp khoá ký số (sai mật khẩu hoặc sai định dạng).")
    return SigningKey(signer, signer.signing_cert, source)


def _open_pkcs11(settings: Settings) -> SigningKey:
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

    try:
        session = open_pkcs11_session(settings.signing_pkcs11_module,
                                      token_criteria=TokenCriteria(label=settings.signing_pkcs11_token or None),
                                      user_pin=secret_value(settings.signing_pkcs11_pin,
                                                            settings.signing_pkcs11_pin_file) or None)
    except Exception as exc:  # the library raises its own types; the message names no secret
        raise Unavailable("signing_token_unavailable",
                          "Không kết nối được thiết bị ký số (token) của cơ quan.") from exc
    label = settings.signing_pkcs11_key or None
    # Hash here, let the token do the raw RSA/ECDSA operation: every token has those mechanisms,
    # many lack the hash-and-sign ones (SoftHSM2 has no CKM_ECDSA_SHA256).
    signer = PKCS11Signer(session, key_label=label, cert_label=label, use_raw_mechanism=True)
    try:
        certificate = signer.signing_cert  # read from the token now: a wrong label fails at start-up
    except Exception as exc:
        session.close()
        raise Unavailable("signing_token_unavailable",
                          "Không tìm thấy chứng thư số trên thiết bị ký số (token) của cơ quan.") from exc
    return SigningKey(signer, certificate, "pkcs11", close=session.close)


# ---------------------------------------------------------------- trust roots

def trust_roots(settings: Settings) -> list[asn1_x509.Certificate]:
    """CA certificates from the configured folder; with the development keys, their CA."""
    folder = settings.trust_dir
    if folder is None and settings.signing_pkcs11_module == "" and settings.signing_pkcs12 is None:
        folder = dev_dir(settings)
    if folder is None or not folder.is_dir():
        return []
    return list(load_certificates(sorted(p for p in folder.iterdir() if p.suffix.lower() in (".pem", ".crt", ".cer"))))


def load_certificates(paths: Iterable[Path]) -> Iterable[asn1_x509.Certificate]:
    """Certificates from PEM (one or several per file) or DER files."""
    for path in paths:
        data = path.read_bytes()
        if pem.detect(data):
            for kind, _, der in pem.unarmor(data, multiple=True):
                if kind == "CERTIFICATE":
                    yield asn1_x509.Certificate.load(der)
        else:
            yield asn1_x509.Certificate.load(data)


# ---------------------------------------------------------------- development keys

@dataclass(frozen=True)
class Issued:
    """A certificate with its private key, as made by :func:`issue` (tests and init-dev)."""

    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


def issue(subject: str, *, organisation: str, issuer: Issued | None = None, ca: bool = False,
          not_before: dt.datetime | None = None, days: int = 365) -> Issued:
    """A P-256 certificate for ``subject``, self-signed when ``issuer`` is None."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                      x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    start = not_before or dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
    signing_key, issuer_name = (issuer.key, issuer.certificate.subject) if issuer else (key, name)
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer_name).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(start)
               .not_valid_after(start + dt.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False)
    if ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False),
            critical=True)
    else:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False),
            critical=True)
    return Issued(key, builder.sign(signing_key, hashes.SHA256()))


def pkcs12_bytes(holder: Issued, chain: Iterable[Issued], passphrase: bytes) -> bytes:
    return pkcs12.serialize_key_and_certificates(
        b"agency", holder.key, holder.certificate, [c.certificate for c in chain],
        serialization.BestAvailableEncryption(passphrase))


def init_dev(settings: Settings, agency: str, *, force: bool = False) -> Path:
    """Make the throw-away CA and agency certificate (P-256, one year) under data_dir/keys/dev.

    The PKCS#12 file is encrypted with a random passphrase kept beside it (mode 0600): good for a
    laptop, not for an office. Existing keys are kept unless ``force``.
    """
    folder = dev_dir(settings)
    if (folder / DEV_P12).exists() and not force:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    ca = issue(f"{agency} Dev CA (không dùng thật)", organisation=agency, ca=True, days=3650)
    holder = issue(f"{agency} (chứng thư thử nghiệm)", organisation=agency, issuer=ca)
    passphrase = secrets.token_urlsafe(24).encode()
    _write_private(folder / DEV_PASS, passphrase)
    _write_private(folder / DEV_P12, pkcs12_bytes(holder, [ca], passphrase))
    (folder / DEV_CA).write_bytes(ca.pem())
    return folder


def _write_private(path: Path, data: bytes) -> None:
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
