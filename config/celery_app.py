"""The Celery app. Everything about how tasks run is set once, in settings (CELERY_* in
config/settings/base.py): acks_late and the broker visibility timeout (docs/adr/0009-celery-redelivery.md), and the
queues and time limits by kind of work, from the one table in config/celery_queues.py (docs/scaling.md Step 5)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("xhht")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
