"""Public verification through the API: a certificate by its code. OWNED BY THE VERIFY HELPER."""

from ninja import Router

router = Router(tags=["证书验证"])
