"""The Celery app. Time limits, acks_late and the broker visibility timeout are set once, in settings
(CELERY_* in config/settings/base.py, docs/adr/0009-celery-redelivery.md), for every task."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("xhht")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
