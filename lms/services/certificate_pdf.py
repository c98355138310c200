"""Rendering certificates to PDF (WeasyPrint), signing them (pyHanko) and storing them once.

A batch of certificates is laid out as one HTML document, one A4 page each, and split into
one PDF per page with pypdf: laying out 20 pages at once costs a fraction of 20 single
renders, because fonts are loaded and subset once. Images come in as data URIs and the
URL fetcher accepts nothing else, so a template can never make the renderer fetch a URL.
"""

import base64
import datetime
import functools
import hashlib
import io
import mimetypes
import os
import re
import threading
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

import segno
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields as sig_fields
from pyhanko.sign import signers
from pyhanko_certvalidator.util import get_pyca_cryptography_hash
from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    create_string_object,
)

from lms.models import Certificate, CertificateLayout, CertificateTemplate

CHUNK_SIZE = 20  # pages laid out per document: the gain flattens out beyond this
TEMPLATE_DIR = "lms/certificates"
DOCUMENT_LANGUAGE = "zh-hans"  # a certificate is a Chinese document whoever triggers it
SEAL_RENDITION = "max-600x600|format-png"  # keeps the seal's transparency
BACKGROUND_RENDITION = "max-2000x2000"  # A4 at about 170 dpi
SIGNATURE_FIELD = "CertificateSignature"
BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")

# Shared across renders: fonts found once, images decoded once (keyed by their data URI).
# The lock keeps threads (a threaded dev server rendering eagerly) off them at the same time;
# rendering holds the GIL anyway, so it costs no throughput.
_RENDER_LOCK = threading.Lock()
_IMAGE_CACHE: dict = {}
_IMAGE_CACHE_LIMIT = 64
_DATA_URIS: dict[str, str] = {}


# -- what a page says ----------------------------------------------------------------


def verification_url(certificate: Certificate) -> str:
    """The public verification page: what the QR code opens."""
    return certificate.verify_url


def chinese_date(day: datetime.date | None) -> str:
    """2026年11月30日; no date means the certificate does not expire (长期有效)."""
    if day is None:
        return _("长期有效")
    return _("%(year)d年%(month)d月%(day)d日") % {
        "year": day.year,
        "month": day.month,
        "day": day.day,
    }


def _hours(value) -> str:
    """24.0 → 24, 1.5 → 1.5."""
    value = Decimal(value).normalize()
    return format(value, "f")


def fill_body(body: str, certificate: Certificate) -> SafeString:
    """The template's body with {name}{course}{hours}{completed} filled in (HTML, escaped).

    Placeholders are replaced one by one, not with str.format, so a stray brace that an
    administrator typed stays text instead of breaking the render.
    """
    values = {
        "name": certificate.holder_name,
        "course": certificate.course_title,
        "hours": _hours(certificate.credit_hours),
        "completed": chinese_date(certificate.completed_on or certificate.issued_on),
    }
    html = escape(body)
    for key, value in values.items():
        html = html.replace(f"{{{key}}}", f'<span class="fill fill-{key}">{escape(value)}</span>')
    return mark_safe(html)  # every part was escaped above


def qr_svg(url: str) -> SafeString:
    """The QR code as inline SVG (vector, sized by CSS; not cached by the renderer)."""
    code = segno.make(url, error="m", micro=False)
    return mark_safe(code.svg_inline(scale=1, border=2, omitsize=True, dark="#000"))


def _image_data_uri(image, spec: str) -> str | None:
    """A Wagtail image as a data URI of a rendition (read once per rendition file)."""
    if image is None:
        return None
    rendition = image.get_rendition(spec)
    key = rendition.file.name
    if key not in _DATA_URIS:
        with rendition.file.open("rb") as handle:
            data = handle.read()
        mime = mimetypes.guess_type(key)[0] or "image/png"
        if len(_DATA_URIS) >= _IMAGE_CACHE_LIMIT:
            _DATA_URIS.clear()
        _DATA_URIS[key] = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return _DATA_URIS[key]


def _templates_for(certificates: Sequence[Certificate]) -> dict[int | None, CertificateTemplate]:
    """The batch's templates with their images, in one query."""
    ids = {c.template_id for c in certificates if c.template_id}
    templates = CertificateTemplate.objects.filter(pk__in=ids).select_related("seal", "background")
    return {t.pk: t for t in templates}


def _page(certificate: Certificate, template: CertificateTemplate) -> dict:
    layout = template.layout if template.layout in CertificateLayout.values else "classic"
    url = verification_url(certificate)
    return {
        "template_name": f"{TEMPLATE_DIR}/{layout}.html",
        "layout": layout,
        "title": template.title,
        "holder_name": certificate.holder_name,
        "course_title": certificate.course_title,
        "credit_hours": _hours(certificate.credit_hours),
        "body": fill_body(template.body, certificate),
        "serial": certificate.serial,
        "issued_on": chinese_date(certificate.issued_on),
        "expires_on": chinese_date(certificate.expires_on),
        "has_expiry": certificate.expires_on is not None,
        "organisation": certificate.issuing_organisation or template.issuing_organisation,
        "seal": _image_data_uri(template.seal, SEAL_RENDITION),
        "background": _image_data_uri(template.background, BACKGROUND_RENDITION),
        "signatories": template.signatory_lines,
        "qr": qr_svg(url),
        "verification_url": url,
    }


def certificate_html(certificates: list[Certificate]) -> str:
    """One HTML document, one A4 page per certificate, each in its template's layout."""
    templates = _templates_for(certificates)
    with translation.override(DOCUMENT_LANGUAGE):
        pages = []
        for certificate in certificates:
            template = templates.get(certificate.template_id)
            if template is None:  # its template was deleted: the course's current one
                template = CertificateTemplate.for_course(certificate.course)
            pages.append(_page(certificate, template))
        return render_to_string(f"{TEMPLATE_DIR}/_base.html", {"pages": pages})


# -- rendering -----------------------------------------------------------------------


def _chunks(items: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@functools.cache
def _renderer():
    """WeasyPrint, its font configuration and a URL fetcher, made on the first render: importing
    it takes half a second, which no web process should pay at start-up for a page that
    never renders. Only data: URIs are fetched: nothing in a certificate may make the renderer
    open a file or a URL."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    return HTML, FontConfiguration(), URLFetcher(allowed_protocols=("data",), fail_on_errors=False)


def write_pdf(html: str) -> bytes:
    """Lay out `html` with the shared font configuration and image cache."""
    with _RENDER_LOCK:
        if len(_IMAGE_CACHE) > _IMAGE_CACHE_LIMIT:
            _IMAGE_CACHE.clear()
        html_class, font_config, url_fetcher = _renderer()
        return html_class(string=html, url_fetcher=url_fetcher).write_pdf(
            font_config=font_config, cache=_IMAGE_CACHE
        )


def split_pdf(document: bytes, certificates: Sequence[Certificate]) -> list[bytes]:
    """One PDF per page, each with its certificate's metadata.

    The pages of a batch share their fonts, so each object is serialised once per batch and
    every page's file is put together from those bytes, keeping the object numbers (the
    numbers a page does not use are listed as free). Copying page by page with PdfWriter
    would serialise the fonts' width tables again for every file, at five times the cost.
    """
    reader = PdfReader(io.BytesIO(document))
    if len(reader.pages) != len(certificates):
        raise RuntimeError(
            f"certificate document has {len(reader.pages)} pages for {len(certificates)} "
            "certificates: a page overflowed its layout"
        )
    objects = _SerialisedObjects(reader)
    catalog = reader.trailer["/Root"]
    size = int(reader.trailer["/Size"])
    files = []
    for page, certificate in zip(reader.pages, certificates, strict=True):
        parent = page.raw_get("/Parent").idnum
        closure = objects.closure(page.indirect_reference.idnum, exclude={parent})
        own = {
            parent: DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Pages"),
                    NameObject("/Kids"): ArrayObject([page.indirect_reference]),
                    NameObject("/Count"): NumberObject(1),
                }
            ),
            size: DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Catalog"),
                    NameObject("/Pages"): IndirectObject(parent, 0, reader),
                    **({NameObject("/Lang"): catalog["/Lang"]} if "/Lang" in catalog else {}),
                }
            ),
            size + 1: _info(certificate),
        }
        identifier = hashlib.sha256(f"{certificate.serial}/{certificate.code}".encode())
        files.append(
            _assemble(
                objects,
                closure,
                own,
                root=size,
                info=size + 1,
                identifier=identifier.hexdigest()[:32],
            )
        )
    return files


class _SerialisedObjects:
    """A document's objects as bytes, and what each refers to, computed once per batch."""

    def __init__(self, reader: PdfReader):
        self.reader = reader
        self.data: dict[int, bytes] = {}
        self.references: dict[int, list[int]] = {}

    def _load(self, number: int) -> None:
        obj = self.reader.get_object(number)
        buffer = io.BytesIO()
        obj.write_to_stream(buffer)
        self.data[number] = buffer.getvalue()
        self.references[number] = list(_references(obj))

    def closure(self, start: int, exclude: set[int]) -> set[int]:
        seen, todo = set(), [start]
        while todo:
            number = todo.pop()
            if number in seen or number in exclude:
                continue
            seen.add(number)
            if number not in self.data:
                self._load(number)
            todo.extend(self.references[number])
        return seen


def _references(obj) -> Iterable[int]:
    """Numbers of the objects `obj` refers to; a page's /Parent is the caller's business."""
    todo = [obj]
    while todo:
        item = todo.pop()
        if isinstance(item, IndirectObject):
            yield item.idnum
        elif isinstance(item, DictionaryObject):
            todo.extend(value for key, value in item.items() if key != "/Parent")
        elif isinstance(item, ArrayObject):
            todo.extend(item)


def _info(certificate: Certificate) -> DictionaryObject:
    fields = {
        "/Title": f"{certificate.serial} {certificate.holder_name}",
        "/Subject": certificate.course_title,
        "/Author": certificate.issuing_organisation,
        "/Creator": "应急先锋学院",
        "/Producer": "WeasyPrint",
    }
    return DictionaryObject(
        {NameObject(key): create_string_object(value) for key, value in fields.items()}
    )


def _assemble(
    objects: _SerialisedObjects,
    closure: set[int],
    own: dict,
    *,
    root: int,
    info: int,
    identifier: str,
) -> bytes:
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(closure | own.keys()):
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n" % number)
        if number in own:
            own[number].write_to_stream(out)
        else:
            out.write(objects.data[number])
        out.write(b"\nendobj\n")
    size = max(offsets) + 1
    xref = out.tell()
    # Free entries form a list: each names the next free number, the last one 0.
    free = [n for n in range(1, size) if n not in offsets]
    next_free = dict(zip([0, *free], [*free, 0], strict=True))
    lines = [b"xref\n0 %d\n" % size, b"%010d 65535 f\r\n" % next_free[0]]
    for number in range(1, size):
        if number in offsets:
            lines.append(b"%010d 00000 n\r\n" % offsets[number])
        else:
            lines.append(b"%010d 00001 f\r\n" % next_free[number])
    out.write(b"".join(lines))
    out.write(
        b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [<%s> <%s>] >>\n"
        b"startxref\n%d\n%%%%EOF\n"
        % (size, root, info, identifier.encode(), identifier.encode(), xref)
    )
    return out.getvalue()


def render_pdfs(certificates: Sequence[Certificate]) -> list[bytes]:
    """One unsigned PDF per certificate, laid out CHUNK_SIZE to a document."""
    files: list[bytes] = []
    for chunk in _chunks(list(certificates), CHUNK_SIZE):
        if len(chunk) == 1:  # nothing to split: the document is the file
            files.append(_single(chunk[0]))
            continue
        files.extend(split_pdf(write_pdf(certificate_html(chunk)), chunk))
    return files


def _single(certificate: Certificate) -> bytes:
    return split_pdf(write_pdf(certificate_html([certificate])), [certificate])[0]


# -- signing -------------------------------------------------------------------------


class KeptKeySigner(signers.SimpleSigner):
    """A SimpleSigner that parses its private key once.

    SimpleSigner parses the key again for every signature, and pyHanko signs twice per PDF
    (once to size the signature): with cryptography's key checks that is about 90 ms each
    for RSA-3072, more than rendering the page.
    """

    _private_key = None
    # Room for the signature (hex digits), measured on the first one: later signatures skip
    # pyHanko's trial signature. Without a timestamp every signature has the same size.
    bytes_reserved: int | None = None

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        algorithm = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        if self._private_key is None:
            self._private_key = serialization.load_der_private_key(
                self.signing_key.dump(), password=None
            )
        key = self._private_key
        hash_algorithm = get_pyca_cryptography_hash(digest_algorithm)
        if algorithm == "rsassa_pkcs1v15" and isinstance(key, RSAPrivateKey):
            return key.sign(data, PKCS1v15(), hash_algorithm)
        if algorithm == "ecdsa" and isinstance(key, EllipticCurvePrivateKey):
            return key.sign(data, ECDSA(hash_algorithm))
        return super().sign_raw(data, digest_algorithm)


@functools.cache
def _load_signer(path: str, passphrase: str, modified: float) -> KeptKeySigner:
    """Loaded once per key file (and again if the file changes)."""
    loaded = signers.SimpleSigner.load_pkcs12(
        path, passphrase=passphrase.encode() if passphrase else None
    )
    if loaded is None:
        raise ImproperlyConfigured(
            f"CERTIFICATE_SIGNING_KEY={path}: cannot read the PKCS#12 file "
            "(wrong CERTIFICATE_SIGNING_PASSPHRASE?)"
        )
    return KeptKeySigner(
        signing_cert=loaded.signing_cert,
        signing_key=loaded.signing_key,
        cert_registry=loaded.cert_registry,
    )


def signer() -> KeptKeySigner | None:
    """The configured signer, or None when no signing key is set."""
    path = settings.CERTIFICATE_SIGNING_KEY
    if not path:
        return None
    try:
        modified = os.stat(path).st_mtime
    except OSError as exc:
        raise ImproperlyConfigured(f"CERTIFICATE_SIGNING_KEY={path}: {exc.strerror}") from exc
    return _load_signer(str(path), settings.CERTIFICATE_SIGNING_PASSPHRASE or "", modified)


def sign_pdf(data: bytes, signer_: KeptKeySigner) -> bytes:
    """A PAdES (baseline B) signature over the whole file, invisible on the page."""
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=sig_fields.SigSeedSubFilter.PADES,
        reason=_("证书防篡改签名"),
        location=settings.SITE_URL,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    signed = signers.sign_pdf(
        writer,
        metadata,
        signer=signer_,
        new_field_spec=sig_fields.SigFieldSpec(SIGNATURE_FIELD),
        bytes_reserved=signer_.bytes_reserved,
    ).getvalue()
    if signer_.bytes_reserved is None:
        # The /Contents hex string fills the gap in /ByteRange, less its two angle brackets.
        byte_range = BYTE_RANGE.search(signed)
        if byte_range:
            signer_.bytes_reserved = int(byte_range[3]) - int(byte_range[2]) - 2
    return signed


def _signed(files: list[bytes]) -> tuple[list[bytes], bool]:
    signer_ = signer()
    if signer_ is None:
        return files, False
    return [sign_pdf(data, signer_) for data in files], True


# -- storing -------------------------------------------------------------------------


def certificate_store(
    certificate: Certificate, data: bytes, *, signed: bool = False
) -> Certificate:
    """Store the issued file once: a certificate that already has one keeps it.

    The row is locked (SQLite: the immediate transaction) while the file is written, so two
    tasks racing to render the same certificate store one file; the loser's is not written.
    """
    with transaction.atomic():
        current = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if current.pdf:
            return current
        current.pdf.save(f"{current.serial}.pdf", ContentFile(data), save=False)
        current.pdf_sha256 = hashlib.sha256(data).hexdigest()
        current.pdf_signed = signed
        current.rendered_at = timezone.now()
        current._change_reason = "生成证书文件"
        current.save(update_fields=["pdf", "pdf_sha256", "pdf_signed", "rendered_at"])
    return current


def certificate_render(certificate: Certificate) -> Certificate:
    """Render, sign (if configured), store; a certificate that has its file is left alone."""
    if certificate.pdf:
        return certificate
    (data,), signed = _signed([_single(certificate)])
    return certificate_store(certificate, data, signed=signed)


def certificates_render(certificates: list[Certificate]) -> None:
    """Render many at once: chunks laid out in one document, split into one file each."""
    pending = [c for c in certificates if not c.pdf]
    for chunk in _chunks(pending, CHUNK_SIZE):
        files, signed = _signed(render_pdfs(chunk))
        for certificate, data in zip(chunk, files, strict=True):
            certificate_store(certificate, data, signed=signed)
