"""Fast settings for the test run; DATABASE_URL and REDIS_URL still switch to the real services."""

from .base import *  # noqa: F401,F403
from .base import env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
AXES_FAILURE_LIMIT = 3
AXES_IP_FAILURE_LIMIT = 6
AXES_USERNAME_FAILURE_LIMIT = 8
STORAGES = {
    "default": {"BACKEND": "core.files.PrivateStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The API token → user cache (core/api/authentication.py) is off unless a test turns it on: the query-count tests
# count the token's query as a client pays it without the cache; tests/api/test_deadline_auth.py and
# tests/reports/test_deadline_requests.py turn it on, as in production.
API_TOKEN_CACHE_SECONDS = env.int("API_TOKEN_CACHE_SECONDS", default=0)

# Tasks run in-process in tests, whichever broker is configured, so a test sees its task's effect at once.
# The tests marked `worker` switch this off for themselves and go through a real worker process.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)

# Django's test MIRROR only renames the replica alias's database: it would still connect to the replica's host,
# and a live-server test would read a replica some milliseconds behind what it just wrote. The ordinary test run
# reads the alias from the primary's test database instead: deterministic, and the router, seeing the primary
# itself, reads through "default" (a live-server thread may not open other aliases). The real streaming replica
# is exercised on purpose by tests/scaling/test_replica_streaming.py, from DATABASE_REPLICA_URL.
if "replica" in DATABASES:  # noqa: F405
    DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
