"""Compliance through the API. OWNED BY THE RANKING HELPER: replace this stub."""

from ninja import Router

router = Router(tags=["达标"])
