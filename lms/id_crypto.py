"""Encryption at rest of ID numbers: Fernet tokens for the number, an HMAC digest to find it.

Keys come from the environment (settings.ID_NUMBER_KEYS, comma-separated in ID_NUMBER_KEY):
the first key encrypts and every key decrypts, so a new key is put first and the old one
kept until `manage.py reencrypt_id_numbers` has rewritten every row. The digest key
(ID_NUMBER_DIGEST_KEY) is separate and never rotates: equality lookups and the unique
constraint depend on it. Without keys (development, tests) both derive from a fixed,
non-secret phrase; production settings refuse to start without them.
"""

import base64
import hashlib
import hmac
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

# Tokens of Fernet (version byte 0x80) always start with this in base64.
TOKEN_PREFIX = "gAAAAA"
_DEV_PHRASE = b"yjxf development id-number key: not a secret"


def _dev_key(purpose: bytes) -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(_DEV_PHRASE + purpose).digest())


@cache
def _fernet() -> MultiFernet:
    keys = list(getattr(settings, "ID_NUMBER_KEYS", None) or []) or [_dev_key(b"encrypt")]
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "ID_NUMBER_KEY must be comma-separated Fernet keys "
            "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key())')."
        ) from exc


@cache
def _digest_key() -> bytes:
    key = getattr(settings, "ID_NUMBER_DIGEST_KEY", "") or _dev_key(b"digest").decode()
    return key.encode()


def reset_keys() -> None:
    """Forget the keys read from settings (tests that change them; rotation)."""
    _fernet.cache_clear()
    _digest_key.cache_clear()


def check_keys() -> None:
    """Raise ImproperlyConfigured when the configured keys cannot be used."""
    _fernet()
    _digest_key()


def encrypt(number: str) -> str:
    if not number:
        return ""
    return _fernet().encrypt(number.encode()).decode()


def is_token(value: str) -> bool:
    return bool(value) and value.startswith(TOKEN_PREFIX)


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "An ID number cannot be decrypted with the keys in ID_NUMBER_KEY: "
            "was a key removed before `reencrypt_id_numbers` ran?"
        ) from exc


def rotate(token: str) -> str:
    """The token re-encrypted with the first key."""
    return _fernet().rotate(token.encode()).decode() if token else ""


def digest(number: str) -> str | None:
    """The keyed digest that finds a member by ID number; None for no number."""
    if not number:
        return None
    return hmac.new(_digest_key(), number.encode(), hashlib.sha256).hexdigest()
