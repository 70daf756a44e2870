"""Settings of the awards app, each overridable in the Django settings (or env through them)."""

import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


def _get(name: str, default):
    return getattr(settings, name, default)


def attachment_max_bytes() -> int:
    return _get("AWARDS_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)


def attachment_types() -> list[str]:
    return _get("AWARDS_ATTACHMENT_TYPES", ["pdf", "docx", "xlsx", "jpg", "png"])


def public_base_url() -> str:
    """Where the public verification page lives: printed into certificates' QR codes.

    Production settings require PORTAL_PUBLIC_URL (config/settings/production.py); the local default is only
    for development, where a QR code pointing at 127.0.0.1 harms nobody.
    """
    return (_get("PORTAL_PUBLIC_URL", "") or DEFAULT_PUBLIC_URL).rstrip("/")


def key_id(key: bytes) -> str:
    """A short public fingerprint of a ballot key, stored with each seal so that the key that sealed it can
    be found again after a rotation. One-way (SHA-256 under a fixed label): it names a key, never reveals it."""
    return hashlib.sha256(b"awards.ballot-key-id:" + key).hexdigest()[:16]


def _derived_key() -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), b"awards.ballot-seal", hashlib.sha256).digest()


def ballot_seal_key() -> bytes:
    """The key that seals secret ballots while a session is open (see docs/adr/0004-secret-ballot.md).

    It lives outside the database on purpose: a database reader (or a backup) sees only opaque seals.
    Production settings refuse to start without AWARDS_BALLOT_KEY; in development the default is derived
    from SECRET_KEY.
    """
    explicit = _get("AWARDS_BALLOT_KEY", "")
    return explicit.encode() if explicit else _derived_key()


def ballot_keyring() -> dict[str, bytes]:
    """Every key a seal may have been made with, by key id: the current one and the retired ones
    (AWARDS_BALLOT_OLD_KEYS), so that a session opened before a rotation is still counted after it."""
    ring: dict[str, bytes] = {}
    for key in [ballot_seal_key(), *(k.encode() for k in _get("AWARDS_BALLOT_OLD_KEYS", []) or [] if k)]:
        ring.setdefault(key_id(key), key)
    return ring


def check_production_secrets(*, secret_key: str, ballot_key: str, public_url: str) -> None:
    """Refuse to start production with a missing or reused ballot key, or without the public address.

    Called from config/settings/production.py: a ballot key equal to DJANGO_SECRET_KEY would put it in every
    container that holds the Django key, which is what the separate key exists to avoid.
    """
    if not ballot_key:
        raise ImproperlyConfigured("AWARDS_BALLOT_KEY is required in production (see README, 'Secrets').")
    if len(ballot_key) < 32:
        raise ImproperlyConfigured("AWARDS_BALLOT_KEY must be at least 32 characters of random data.")
    if ballot_key == secret_key:
        raise ImproperlyConfigured("AWARDS_BALLOT_KEY must differ from DJANGO_SECRET_KEY.")
    if not public_url.startswith(("https://", "http://")) or "127.0.0.1" in public_url or "localhost" in public_url:
        raise ImproperlyConfigured("PORTAL_PUBLIC_URL must be the portal's public address (https://…).")
