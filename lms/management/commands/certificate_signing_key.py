"""Make a self-signed signing key for trying out signed certificates: `certificate_signing_key`.

A PDF reader shows a signature made with this key as intact but from an unknown signer; for
production use a certificate issued by a CA the readers trust (see the README).
"""

import datetime
import os
import secrets
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

DEFAULT_NAME = "应急先锋学院（试用签名）"


class Command(BaseCommand):
    help = "生成自签名的证书签名密钥（PKCS#12），仅供试用。"

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="PKCS#12 文件路径，如 signing.p12")
        parser.add_argument("--passphrase", default="", help="文件口令；不填则随机生成并显示")
        parser.add_argument("--name", default=DEFAULT_NAME, help="签名者（组织）名称")
        parser.add_argument("--days", type=int, default=3650, help="有效天数")
        parser.add_argument("--force", action="store_true", help="覆盖已有文件")

    def handle(self, *args, out, passphrase, name, days, force, **options):
        path = Path(out).expanduser().resolve()
        if path.exists() and not force:
            raise CommandError(f"{path} 已存在；如需覆盖请加 --force。")
        if days < 1:
            raise CommandError("--days 必须大于 0。")
        passphrase = passphrase or secrets.token_urlsafe(18)
        key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
        certificate = self_signed_certificate(key, name=name, days=days)
        data = pkcs12.serialize_key_and_certificates(
            name=name.encode(),
            key=key,
            cert=certificate,
            cas=None,
            encryption_algorithm=serialization.BestAvailableEncryption(passphrase.encode()),
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        # The private key: readable by its owner only.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        fingerprint = certificate.fingerprint(hashes.SHA256()).hex(":").upper()
        self.stdout.write(self.style.SUCCESS(f"已生成自签名签名密钥：{path}"))
        self.stdout.write(f"签名者：{name}（有效期 {days} 天）")
        self.stdout.write(f"证书 SHA-256 指纹：{fingerprint}")
        self.stdout.write("在运行网站和 Celery worker 的环境中设置：")
        self.stdout.write(f"  export CERTIFICATE_SIGNING_KEY={path}")
        self.stdout.write(f"  export CERTIFICATE_SIGNING_PASSPHRASE='{passphrase}'")
        self.stdout.write(
            "自签名证书仅供试用：PDF 阅读器会显示“文档未被修改”，但签名者身份未知；"
            "正式使用请换成受信任 CA 签发的证书。"
        )


def self_signed_certificate(key, *, name: str, days: int) -> x509.Certificate:
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # non-repudiation: what document signatures assert
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
