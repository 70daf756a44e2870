from django import template
from django.utils import timezone

from ..models import ReminderDigest

register = template.Library()


@register.inclusion_tag("reports/_notices.html", takes_context=True)
def report_notices(context, days: int = 3):
    """The user's reminder digests of the last few days, for the home page."""
    user = context["request"].user
    since = timezone.localdate() - timezone.timedelta(days=days)
    notices = ReminderDigest.objects.filter(user=user, day__gte=since) if user.is_authenticated else []
    return {"notices": list(notices[:3])}
