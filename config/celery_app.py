"""The Celery app. Time limits and acks_late are set here once, for every task."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("xhht")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
