"""A test PKI made in the test setup: CA, agency certificates (valid, expired, from a stranger CA), a
timestamp authority served over HTTP on loopback (pyHanko's RFC 3161 responder behind
http.server), an OCSP responder (``cryptography``'s OCSP builder behind http.server, signed by the
CA), and a SoftHSM2 token holding the agency key."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from records.keys import Issued, issue, pkcs12_bytes

PASSPHRASE = b"mat-khau-khoa-thu"
SOFTHSM_LIB = Path("/usr/lib/softhsm/libsofthsm2.so")


def asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


@dataclass
class Pki:
    root: Path
    ca: Issued
    agency: Issued
    expired: Issued
    stranger: Issued  # issued by a CA nobody trusts

    @property
    def trust_dir(self) -> Path:
        return self.root / "trust"

    def p12(self, holder: Issued, name: str) -> Path:
        path = self.root / f"{name}.p12"
        path.write_bytes(pkcs12_bytes(holder, [self.ca], PASSPHRASE))
        return path


def make_pki(root: Path) -> Pki:
    root.mkdir(parents=True, exist_ok=True)
    ca = issue("Sohoa Test CA", organisation="Sohoa Test", ca=True, days=3650)
    agency = issue("BHXH Tỉnh Phú Thọ (thử nghiệm)", organisation="BHXH Phú Thọ", issuer=ca)
    expired = issue("BHXH hết hạn", organisation="BHXH Phú Thọ", issuer=ca,
                    not_before=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=400), days=30)
    other_ca = issue("Unknown CA", organisation="Nobody", ca=True)
    stranger = issue("Cơ quan lạ", organisation="Nobody", issuer=other_ca)
    (root / "trust").mkdir(exist_ok=True)
    (root / "trust" / "ca.pem").write_bytes(ca.pem())
    return Pki(root, ca, agency, expired, stranger)


# ---------------------------------------------------------------- timestamp authority

def tsa_certificate(ca: Issued) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """pyHanko's responder signs with RSA only; timeStamping is the one (critical) key purpose."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Sohoa Test TSA")]))
            .issuer_name(ca.certificate.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
            .sign(ca.key, hashes.SHA256()))
    return key, cert


def empty_crl(ca: Issued) -> bytes:
    now = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
    return (x509.CertificateRevocationListBuilder().issuer_name(ca.certificate.subject)
            .last_update(now).next_update(now + dt.timedelta(days=7))
            .add_extension(x509.CRLNumber(1), critical=False)
            .sign(ca.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))


def with_crl(holder: Issued, ca: Issued, crl_url: str) -> Issued:
    """``holder``'s key certified again, now naming where the CA publishes its CRL."""
    return _recertified(holder, ca, x509.CRLDistributionPoints([x509.DistributionPoint(
        [x509.UniformResourceIdentifier(crl_url)], None, None, None)]))


def with_ocsp(holder: Issued, ca: Issued, ocsp_url: str) -> Issued:
    """``holder``'s key certified again, now naming the CA's OCSP responder (Authority Information Access)."""
    return _recertified(holder, ca, x509.AuthorityInformationAccess([x509.AccessDescription(
        AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url))]))


def _recertified(holder: Issued, ca: Issued, pointer: x509.ExtensionType) -> Issued:
    old = holder.certificate
    builder = (x509.CertificateBuilder().subject_name(old.subject).issuer_name(old.issuer)
               .public_key(holder.key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(old.not_valid_before_utc).not_valid_after(old.not_valid_after_utc)
               .add_extension(pointer, critical=False))
    for extension in old.extensions:
        builder = builder.add_extension(extension.value, critical=extension.critical)
    return Issued(holder.key, builder.sign(ca.key, hashes.SHA256()))


@dataclass(frozen=True)
class Authority:
    tsa_url: str
    crl_url: str
    requests: list[str]  # paths asked, in order


@contextmanager
def timestamp_authority(ca: Issued) -> Iterator[Authority]:
    """An RFC 3161 timestamp authority (POST /tsa) and the CA's CRL (GET /crl) on 127.0.0.1."""
    key, cert = tsa_certificate(ca)
    der_key = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    stamper = DummyTimeStamper(tsa_cert=asn1(cert), tsa_key=asn1_keys.PrivateKeyInfo.load(der_key))
    crl = empty_crl(ca)
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            requests.append(self.path)
            self._answer(stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump(),
                         "application/timestamp-reply")

        def do_GET(self) -> None:  # noqa: N802
            requests.append(self.path)
            self._answer(crl, "application/pkix-crl")

        def _answer(self, body: bytes, content_type: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield Authority(f"{base}/tsa", f"{base}/crl", requests)
    finally:
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------- OCSP responder

@dataclass
class Responder:
    url: str
    revoked: set[int]    # serial numbers answered "revoked"; the rest "good"
    requests: list[int]  # serial numbers asked about, in order

    def revoke(self, certificate: x509.Certificate) -> None:
        self.revoked.add(certificate.serial_number)


def ocsp_answer(ca: Issued, body: bytes, revoked: set[int]) -> bytes:
    """An RFC 6960 response to ``body``, signed by the CA itself (no delegated responder)."""
    request = ocsp.load_der_ocsp_request(body)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    is_revoked = request.serial_number in revoked
    builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
        issuer_name_hash=request.issuer_name_hash, issuer_key_hash=request.issuer_key_hash,
        serial_number=request.serial_number, algorithm=request.hash_algorithm,
        cert_status=ocsp.OCSPCertStatus.REVOKED if is_revoked else ocsp.OCSPCertStatus.GOOD,
        this_update=now - dt.timedelta(minutes=1), next_update=now + dt.timedelta(hours=1),
        revocation_time=now - dt.timedelta(minutes=1) if is_revoked else None,
        revocation_reason=x509.ReasonFlags.key_compromise if is_revoked else None)
    for extension in request.extensions:  # echo the nonce
        if isinstance(extension.value, x509.OCSPNonce):
            builder = builder.add_extension(extension.value, critical=False)
    response = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, ca.certificate).sign(ca.key, hashes.SHA256())
    return response.public_bytes(serialization.Encoding.DER)


@contextmanager
def ocsp_responder(ca: Issued) -> Iterator[Responder]:
    """The CA's OCSP responder (POST /ocsp) on 127.0.0.1; revoke a certificate with ``revoke``."""
    responder = Responder("", set(), [])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            responder.requests.append(ocsp.load_der_ocsp_request(body).serial_number)
            answer = ocsp_answer(ca, body, responder.revoked)
            self.send_response(200)
            self.send_header("Content-Type", "application/ocsp-response")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    responder.url = f"http://127.0.0.1:{server.server_address[1]}/ocsp"
    try:
        yield responder
    finally:
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------- SoftHSM2 token

@dataclass(frozen=True)
class Token:
    module: str
    label: str
    key_label: str
    pin: str


def softhsm_token(root: Path, holder: Issued) -> Token:
    """A SoftHSM2 token with ``holder``'s key and certificate under one label. SOFTHSM2_CONF is set
    for the whole test process: the library reads it once, when first loaded."""
    import pkcs11
    from pkcs11 import Attribute, CertificateType, ObjectClass

    root.mkdir(parents=True, exist_ok=True)
    (root / "tokens").mkdir(exist_ok=True)
    conf = root / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    token = Token(str(SOFTHSM_LIB), "sohoa-test", "agency", "123456")
    run = lambda *args: subprocess.run(["softhsm2-util", *args], check=True, capture_output=True)  # noqa: E731
    run("--init-token", "--free", "--label", token.label, "--pin", token.pin, "--so-pin", "654321")
    key_pem = root / "agency-key.pem"
    key_pem.write_bytes(holder.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()))
    run("--import", str(key_pem), "--token", token.label, "--label", token.key_label, "--id", "01",
        "--pin", token.pin)
    key_pem.unlink()
    lib = pkcs11.lib(token.module)
    with lib.get_token(token_label=token.label).open(rw=True, user_pin=token.pin) as session:
        session.create_object({
            Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
            Attribute.TOKEN: True, Attribute.LABEL: token.key_label, Attribute.ID: b"\x01",
            Attribute.SUBJECT: holder.certificate.subject.public_bytes(),
            Attribute.VALUE: holder.certificate.public_bytes(serialization.Encoding.DER)})
    return token
