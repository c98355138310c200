"""Rendering certificates to PDF (WeasyPrint), signing them (pyHanko) and storing them once.

OWNED BY THE PDF HELPER: replace these stubs.
"""

from lms.models import Certificate


def verification_url(certificate: Certificate) -> str:
    raise NotImplementedError


def certificate_render(certificate: Certificate) -> Certificate:
    """Render, sign (if configured), store; a certificate that has its file is left alone."""
    raise NotImplementedError


def certificates_render(certificates: list[Certificate]) -> None:
    """Render many at once: chunks laid out in one document, split into one file each."""
    raise NotImplementedError
