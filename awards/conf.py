"""Settings of the awards app, each overridable in the Django settings (or env through them)."""

import hashlib
import hmac

from django.conf import settings


def _get(name: str, default):
    return getattr(settings, name, default)


def attachment_max_bytes() -> int:
    return _get("AWARDS_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)


def attachment_types() -> list[str]:
    return _get("AWARDS_ATTACHMENT_TYPES", ["pdf", "docx", "xlsx", "jpg", "png"])


def public_base_url() -> str:
    """Where the public verification page lives: printed into certificates' QR codes."""
    return _get("PORTAL_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")


def ballot_seal_key() -> bytes:
    """The key that seals secret ballots while a session is open (see docs/adr/0004-secret-ballot.md).

    It lives outside the database on purpose: a database reader (or a backup) sees only opaque seals.
    Set AWARDS_BALLOT_KEY in production; the default is derived from SECRET_KEY.
    """
    explicit = _get("AWARDS_BALLOT_KEY", "")
    if explicit:
        return explicit.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"awards.ballot-seal", hashlib.sha256).digest()
