"""Stub: filled in by its owner."""

urlpatterns: list = []

# Routes outside /learn/ (e.g. the private calendar feed).
public_urlpatterns: list = []
