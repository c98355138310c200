"""Public verification of a certificate: /verify/<code>/ and the lookup form /verify/.

OWNED BY THE VERIFY HELPER: replace this stub.
"""

public_urlpatterns = []
