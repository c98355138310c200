"""Content Security Policy and the other browser-policy headers (django-csp underneath).

Public and learner pages get the strict policy in settings.CONTENT_SECURITY_POLICY: scripts
only from this origin or with the response's nonce (`request.csp_nonce`), no inline styles.
The Wagtail admin renders inline <script> blocks and style attributes it gives no nonce to,
so paths under CONTENT_SECURITY_POLICY_ADMIN["URL_PREFIXES"] get that looser policy instead.
"""

from django.conf import settings

from csp.middleware import CSPMiddleware, PolicyParts


def is_admin_path(path: str) -> bool:
    prefixes = settings.CONTENT_SECURITY_POLICY_ADMIN.get("URL_PREFIXES", ())
    return path.startswith(tuple(prefixes))


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, choosing the admin policy by path, plus Permissions-Policy."""

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        # A view's own @csp / @csp_update still wins; only the default differs in the admin.
        if not report_only and parts.config is None and is_admin_path(request.path_info):
            parts.config = settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"]
        return parts

    def process_response(self, request, response):
        self._renew_cached_nonce(request, response)
        response = super().process_response(request, response)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = policy
        return response

    def _renew_cached_nonce(self, request, response) -> None:
        """A page from the anonymous page cache (cms.cache) carries the nonce of the request that
        rendered it: give this response a fresh one, replacing only that exact old value."""
        old = getattr(response, "csp_cached_nonce", None)
        if not old or old == getattr(request, "_csp_nonce", None):
            return
        if response.streaming or response.get("Content-Encoding"):
            return
        fresh = str(request.csp_nonce)
        response.content = response.content.replace(
            f'nonce="{old}"'.encode(), f'nonce="{fresh}"'.encode()
        )
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        response.csp_cached_nonce = fresh
