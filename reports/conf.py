"""Settings of the reports app, each overridable in the Django settings (or env through them)."""

from django.conf import settings


def _get(name: str, default):
    return getattr(settings, name, default)


def attachment_max_bytes() -> int:
    return _get("REPORTS_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)


def attachment_types() -> list[str]:
    return _get("REPORTS_ATTACHMENT_TYPES", ["pdf", "docx", "xlsx", "jpg", "png"])


def stats_debounce_seconds() -> int:
    """How long the rollup waits after an acceptance, so that a burst of acceptances costs one refresh."""
    return _get("REPORTS_STATS_DEBOUNCE_SECONDS", 60)


def reminder_days() -> list[int]:
    """Days before a deadline on which reminders go out."""
    return _get("REPORTS_REMINDER_DAYS", [7, 2])


def stats_cache_seconds() -> int:
    """How long a statistics answer may be served from the cache; 0 turns the cache off.

    A safety net only: answers are dropped as soon as a rollup is rewritten (reports.stats_cache).
    """
    return _get("REPORTS_STATS_CACHE_SECONDS", 300)
