"""Sessions in the database, with malformed keys refused (see cms.sessions)."""

from django.contrib.sessions.backends import db

from . import StrictKeyMixin


class SessionStore(StrictKeyMixin, db.SessionStore):
    pass
