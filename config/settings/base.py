"""Settings shared by every environment; everything that differs comes from the environment.

The embedded default (no env vars at all) is SQLite with Celery tasks run eagerly, so that a fresh
checkout runs with `make run`. DATABASE_URL and REDIS_URL switch to PostgreSQL and real workers.
"""

from datetime import date, timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF

from config.celery_queues import DEFAULT as QUEUE_DEFAULT
from config.celery_queues import TASK_ROUTES, TimeLimitsByKind, longest_time_limit

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "import_export",
    "csp",
    "core",
    "units",
    "core.documents.apps.DocumentsConfig",
    "campaigns",
    "titles",
    "definitions",
    "reports",
    "awards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outermost after security: every response gets the policy, error pages and the API's JSON included.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.db_router.ReplicaReadsMiddleware",  # removes itself unless DATABASE_REPLICA_URL is set
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes must come last: it reads the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy (django-csp, docs/adr/0012-content-security-policy.md): scripts, styles, images and
# fetches from this site only; no inline script, no inline event handler, no style attribute; no plug-ins; the
# portal may not be framed, and forms post only here. A page that needs more says so with csp_update on its view
# (Swagger UI: config/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (runserver + eager tasks) share the file; wait rather than fail on a lock.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# Optional streaming replica (docs/scaling.md, Step 2; scripts/pg_replica.sh starts one on this machine): GET
# requests to these paths read from it (config/db_router.py). MIRROR: the test run creates no database of its own
# there; physical replication copies the primary's test database, under the same name, to the replica.
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["config.db_router.ReplicaRouter"]
DATABASE_REPLICA_PATHS = env.list("DATABASE_REPLICA_PATHS", default=[
    "/api/v1/stats/", "/api/v1/completeness/", "/reports/dashboard/", "/reports/completeness/"])
# Read-your-own-writes: for this long after a client's own POST/PUT/PATCH/DELETE its replica-path reads stay on
# the primary (a signed cookie). Longer than the replica's usual lag (well under a second on one LAN); 0 = off.
DATABASE_REPLICA_STICKY_SECONDS = env.int("DATABASE_REPLICA_STICKY_SECONDS", default=5)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout after repeated failed logins (django-axes), with a limit per group (core/login_throttle.py): a username
# at one IP; one IP across usernames (password spraying; higher, a provincial office shares one NAT address);
# one username across IPs (highest: anyone can spend failures on someone else's username to lock them out).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_IP_FAILURE_LIMIT = env.int("AXES_IP_FAILURE_LIMIT", default=20)
AXES_USERNAME_FAILURE_LIMIT = env.int("AXES_USERNAME_FAILURE_LIMIT", default=30)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address", "username"]
AXES_HANDLER = "core.login_throttle.ThrottleHandler"
# The client's address behind reverse proxies: how many trusted proxies append to X-Forwarded-For in front of
# the app (0: none, REMOTE_ADDR is the client). Too low and everyone shares the proxy's address (one lockout
# locks all); too high and a client picks its own address by sending the header. README, "Behind a proxy".
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "core.login_throttle.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_LOCKOUT_CALLABLE = "core.views.lockout"  # the template for pages, JSON for /api/
AXES_RESET_ON_SUCCESS = True

LANGUAGE_CODE = "vi"
# Each language is named in itself, as a language switcher should.
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# dd/mm/yyyy everywhere, whatever the language.
DATE_FORMAT = "d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# MEDIA_URL is never routed: every upload is served by a scoped view (core/files.py, docs/adr/0010).
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "core.files.PrivateStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- REST framework ---
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's TokenAuthentication with the token → user lookup cached (core/api/authentication.py).
        "core.api.authentication.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
        "core.api.renderers.PaginatedCSVRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
    "DATE_FORMAT": "%Y-%m-%d",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Cổng thông tin Xây dựng xã hội học tập — API v1",
    "DESCRIPTION": "Public REST contract of the learning-society portal (QĐ 1315/QĐ-TTg).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Every operation documents the 400/401/403/404/409 answers it can give (core/api/schema.py; H2a).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "core.api.schema.add_error_responses"],
    "ENUM_NAME_OVERRIDES": {
        "UnitKindEnum": "units.models.Kind",
        "UnitLevelEnum": "units.models.Level",
        "SuccessionKindEnum": "units.models.Succession.Kind",
        "PlanKindEnum": "campaigns.models.DocumentKind",
        "PlanStatusEnum": "campaigns.models.Plan.Status",
        "ReportStatusEnum": "reports.models.ReportStatus",
        "EvaluationStatusEnum": "titles.models.Evaluation.Status",
        "AwardSubjectKindEnum": "awards.models.SubjectKind",
        "NominationStatusEnum": "awards.models.NominationStatus",
        "DocumentKindEnum": "core.documents.models.DocumentKind",
        "DocumentStatusEnum": "core.documents.models.Document.Status",
        "DocumentRenderStatusEnum": "core.documents.models.Document.RenderStatus",
        "FormSectionKindEnum": "definitions.models.SectionKind",
    },
}

# --- Celery ---
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# Without Redis there is no worker: tasks run in-process, and their errors surface at once.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
# A task killed mid-run (OOM, deploy, lost node) must run again within minutes (docs/adr/0009-celery-redelivery.md).
# acks_late: the message is acknowledged only when the task has finished, so a worker that dies holds no ack;
# reject_on_worker_lost: a child killed by a signal gives its message back instead of marking it failed;
# prefetch 1: a worker reserves no more than it runs, so nothing waits unacknowledged behind a long task.
# Every task is idempotent (CONVENTIONS.md), so running one twice is harmless.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Time limits per kind of task, from one table (config/celery_queues.py KINDS, docs/scaling.md Step 5), set on
# each routed task by the annotation below whichever worker runs it. Every other task has the app-wide limits:
# ten minutes hard, the soft one a minute earlier so a task can stop cleanly (TimeLimitExceeded is then acked,
# not redelivered forever). Enforced by prefork workers (compose, `make worker*`), not by --pool=solo.
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT_SECONDS", default=QUEUE_DEFAULT.time_limit)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - min(60, CELERY_TASK_TIME_LIMIT // 10)
CELERY_TASK_ANNOTATIONS = (TimeLimitsByKind(),)
CELERY_TASK_ACKS_ON_FAILURE_OR_TIMEOUT = True  # Celery's default, relied on: a failed task is not redelivered
# Redis hands an unacknowledged message to another worker after the visibility timeout (one hour by default).
# Derived from the longest hard limit of any kind (stats' 720 s today), so it can never be shorter than a running
# task (which would then run twice at once) and a killed task is back in the queue two minutes after it could at
# most have finished. One value for every queue: any worker's sweep restores any queue's expired messages.
# Countdowns/ETAs must stay below it (the stats debounce is 60 s), or Redis redelivers them early.
# Workers look for such messages every interval × throttle seconds (kombu's default is 10 × 10 = 100 s): 30 s.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": longest_time_limit(CELERY_TASK_TIME_LIMIT) + 2 * 60,
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 3,
}
# A worker that loses the broker cancels what it runs: those messages are redelivered anyway (Celery 6 default).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TIMEZONE = TIME_ZONE
# Queues by kind of work (config/celery_queues.py, docs/scaling.md Step 5): on whenever a real broker is
# configured, so a render burst never delays a rollup. Workers must then consume every queue: one worker with
# all of them (`make worker`), or one per queue (`make workers`, docker-compose.yml). Eager mode (no REDIS_URL)
# runs tasks in-process and ignores queues. CELERY_ROUTE_BY_KIND=0 sends everything to "celery" again.
CELERY_TASK_ROUTES = TASK_ROUTES if env.bool("CELERY_ROUTE_BY_KIND", default=bool(REDIS_URL)) else {}
CELERY_BEAT_SCHEDULE = {
    "units-verify-paths-nightly": {
        "task": "units.tasks.verify_unit_paths",
        "schedule": crontab(hour=1, minute=30),
    },
    "reports-rebuild-stats-nightly": {
        "task": "reports.tasks.rebuild_stats_nightly",
        "schedule": crontab(hour=2, minute=0),
    },
    "reports-send-reminders-daily": {
        "task": "reports.tasks.send_report_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
}

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Cached between requests, dropped as soon as their sources change (core/cache.py generations); the durations are
# safety nets. 0 turns a cache off. More than one web process needs the shared cache: REDIS_URL.
SCOPE_CACHE_SECONDS = env.int("SCOPE_CACHE_SECONDS", default=300)  # a user's memberships (units/selectors.py)
API_TOKEN_CACHE_SECONDS = env.int("API_TOKEN_CACHE_SECONDS", default=300)  # token → user (core/api/authentication.py)
REPORTS_STATS_CACHE_SECONDS = env.int("REPORTS_STATS_CACHE_SECONDS", default=300)  # /stats/ answers

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="xhht@localhost")

SIMPLE_HISTORY_HISTORY_ID_USE_UUID = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Serves /bench/fixed-json/ (no DB, no auth) for benchmarks/bench_load.py; off everywhere else.
BENCH_ENDPOINTS = env.bool("BENCH_ENDPOINTS", default=False)

# The date the two-tier local government took effect (Nghị quyết 202/2025/QH15): data, not logic.
ADMIN_REFORM_DATE = date.fromisoformat(env("ADMIN_REFORM_DATE", default="2025-07-01"))

# --- Awards: the ballot key (docs/adr/0004-secret-ballot.md) and the public address of /verify/ ---
# The key that seals secret ballots while a session is open; NOT the Django secret key. Empty here means
# "derive one from SECRET_KEY" (development only: production settings refuse to start without it).
AWARDS_BALLOT_KEY = env("AWARDS_BALLOT_KEY", default="")
# Retired keys, comma-separated: kept until every session sealed under them is closed (rotation).
AWARDS_BALLOT_OLD_KEYS = env.list("AWARDS_BALLOT_OLD_KEYS", default=[])
# Printed into certificates' QR codes; required in production.
PORTAL_PUBLIC_URL = env("PORTAL_PUBLIC_URL", default="")

# --- Titles: upload limits (Excel lists, evidence files); a file over a limit is refused whole ---
TITLES_IMPORT_MAX_BYTES = env.int("TITLES_IMPORT_MAX_BYTES", default=25 * 1024 * 1024)
TITLES_IMPORT_MAX_ROWS = env.int("TITLES_IMPORT_MAX_ROWS", default=200_000)
TITLES_IMPORT_MAX_UNPACKED_BYTES = env.int("TITLES_IMPORT_MAX_UNPACKED_BYTES", default=300 * 1024 * 1024)
TITLES_IMPORT_MAX_COMPRESSION_RATIO = env.int("TITLES_IMPORT_MAX_COMPRESSION_RATIO", default=200)
TITLES_EVIDENCE_MAX_BYTES = env.int("TITLES_EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)
