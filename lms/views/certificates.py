"""Certificates for members, leaders and administrators (under /learn/).

OWNED BY THE PAGES HELPER: replace this stub.
"""

urlpatterns = []
