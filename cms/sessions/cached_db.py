"""Sessions in the database read through the cache, with malformed keys refused."""

from django.contrib.sessions.backends import cached_db

from . import StrictKeyMixin


class SessionStore(StrictKeyMixin, cached_db.SessionStore):
    pass
