"""Session stores that refuse a malformed session cookie before it reaches the database.

Django generates keys of 32 lowercase letters and digits but looks up any cookie value of
8 characters or more; PostgreSQL fails on a NUL character in a query, so a forged cookie
would turn every page into a server error. A key Django could not have made is treated as
no session at all.
"""

import re

VALID_KEY = re.compile(r"[a-z0-9]{8,40}")


class StrictKeyMixin:
    def _validate_session_key(self, key):
        return bool(key) and VALID_KEY.fullmatch(key) is not None
