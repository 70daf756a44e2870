from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils import formats, timezone

from ..models import ReminderDigest

register = template.Library()


@register.inclusion_tag("reports/_notices.html", takes_context=True)
def report_notices(context, days: int = 3):
    """The user's reminder digests of the last few days, for the home page."""
    user = context["request"].user
    since = timezone.localdate() - timezone.timedelta(days=days)
    notices = ReminderDigest.objects.filter(user=user, day__gte=since) if user.is_authenticated else []
    return {"notices": list(notices[:3])}


def format_number(value, decimals: int | None = None) -> str:
    """A count or a rate as Vietnamese documents write it: 1.234.567 and 69,96 (config/formats).

    Rounded half up here, because Django's number_format cuts a Decimal's extra places (69,995 would read 69,9);
    grouping is forced so that counts are grouped without USE_THOUSAND_SEPARATOR, which would also group every
    year and id printed in a URL or a form value.
    """
    if value is None or value == "":
        return "—"
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if decimals is not None:
        number = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return formats.number_format(number, decimals, use_l10n=True, force_grouping=True)


@register.filter
def vn_number(value, decimals=None):
    """`{{ n|vn_number }}` → 1.234; `{{ rate|vn_number:2 }}` → 69,96; None → —."""
    return format_number(value, int(decimals) if decimals not in (None, "") else None)


@register.filter
def vn_percent(value, decimals=2):
    """`{{ rate|vn_percent }}` → 69,96%; a whole target `{{ t|vn_percent:0 }}` → 70%; None → —."""
    text = format_number(value, int(decimals))
    return text if text == "—" else f"{text}%"
