"""Yearly reports under /learn/. OWNED BY THE REPORTS HELPER: replace this stub."""

urlpatterns = []
