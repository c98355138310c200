"""Signed certificates (PAdES): a key made by the management command, checked with pyHanko."""

import hashlib
import io

from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from lms.models import Certificate
from lms.services.certificate_pdf import certificates_render

PASSPHRASE = "试用口令-123"


@pytest.fixture
def signing_key(tmp_path, settings):
    """A fresh self-signed key, configured as the signing key; returns its certificate."""
    path = tmp_path / "signing.p12"
    out = io.StringIO()
    call_command(
        "certificate_signing_key",
        out=str(path),
        passphrase=PASSPHRASE,
        name="广西应急管理厅（测试）",
        stdout=out,
    )
    assert f"CERTIFICATE_SIGNING_KEY={path}" in out.getvalue()
    assert "CERTIFICATE_SIGNING_PASSPHRASE" in out.getvalue()
    settings.CERTIFICATE_SIGNING_KEY = str(path)
    settings.CERTIFICATE_SIGNING_PASSPHRASE = PASSPHRASE
    _key, certificate, _others = pkcs12.load_key_and_certificates(
        path.read_bytes(), PASSPHRASE.encode()
    )
    (trusted,) = load_certs_from_pemder_data(certificate.public_bytes(Encoding.PEM))
    return trusted


def stored(certificate: Certificate) -> bytes:
    certificate.refresh_from_db()
    with certificate.pdf.open("rb") as handle:
        return handle.read()


def signature_status(data: bytes, trusted):
    reader = PdfFileReader(io.BytesIO(data))
    (signature,) = reader.embedded_signatures
    return validate_pdf_signature(signature, ValidationContext(trust_roots=[trusted]))


def test_signed_certificate_validates_over_the_whole_file(world, issue, signing_key):
    certificate = issue(world["member"], render=True)
    data = stored(certificate)
    assert certificate.pdf_signed is True
    assert certificate.pdf_sha256 == hashlib.sha256(data).hexdigest()
    assert b"/ByteRange" in data
    status = signature_status(data, signing_key)
    assert status.intact and status.valid
    assert status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.bottom_line
    assert "广西应急管理厅（测试）" in status.signing_cert.subject.human_friendly


def test_an_altered_byte_breaks_the_signature(world, issue, signing_key):
    certificate = issue(world["member"], render=True)
    data = bytearray(stored(certificate))
    # One letter of the signed metadata (/Producer): the file still opens.
    position = data.index(b"/Producer (WeasyPrint)") + len(b"/Producer (W")
    data[position] = ord("E")
    status = signature_status(bytes(data), signing_key)
    assert not status.intact  # the digest no longer matches the signed one
    assert not status.bottom_line  # so the signature is judged invalid


def test_bulk_render_signs_every_file(world, issue, signing_key):
    certificates = [issue(world["member"]), issue(world["leader"]), issue(world["other"])]
    certificates_render(certificates)
    for certificate in certificates:
        data = stored(certificate)
        assert certificate.pdf_signed
        status = signature_status(data, signing_key)
        assert status.intact and status.valid and status.trusted
        assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE


def test_without_a_key_the_file_is_not_signed(world, issue, settings):
    settings.CERTIFICATE_SIGNING_KEY = ""
    certificate = issue(world["member"], render=True)
    data = stored(certificate)
    assert certificate.pdf_signed is False
    assert not PdfFileReader(io.BytesIO(data)).embedded_signatures


def test_a_wrong_passphrase_stores_nothing(world, issue, signing_key, settings):
    settings.CERTIFICATE_SIGNING_PASSPHRASE = "wrong"
    with pytest.raises(ImproperlyConfigured, match="CERTIFICATE_SIGNING_PASSPHRASE"):
        issue(world["member"], render=True)
    certificate = Certificate.objects.get(member=world["member"])
    assert not certificate.pdf
    assert not certificate.pdf_sha256


def test_command_refuses_to_overwrite_a_key(tmp_path):
    path = tmp_path / "signing.p12"
    call_command("certificate_signing_key", out=str(path), stdout=io.StringIO())
    first = path.read_bytes()
    with pytest.raises(CommandError, match="已存在"):
        call_command("certificate_signing_key", out=str(path), stdout=io.StringIO())
    assert path.read_bytes() == first
    assert path.stat().st_mode & 0o077 == 0  # the private key is readable by its owner only


def test_command_makes_up_a_passphrase_when_none_is_given(tmp_path):
    path = tmp_path / "signing.p12"
    out = io.StringIO()
    call_command("certificate_signing_key", out=str(path), stdout=out)
    line = next(x for x in out.getvalue().splitlines() if "CERTIFICATE_SIGNING_PASSPHRASE" in x)
    passphrase = line.split("=", 1)[1].strip().strip("'")
    assert len(passphrase) >= 20
    key, certificate, _others = pkcs12.load_key_and_certificates(
        path.read_bytes(), passphrase.encode()
    )
    assert key is not None and certificate is not None
