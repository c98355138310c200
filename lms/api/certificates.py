"""Certificates through the API: my certificates. OWNED BY THE PAGES HELPER."""

from ninja import Router

router = Router(tags=["证书"])
