"""Settings, read from the environment (12-factor) with safe embedded defaults.

No variables set: SQLite file under var/, Celery tasks run eagerly, local-memory cache.
DATABASE_URL=postgres://… switches to PostgreSQL; REDIS_URL=redis://… to the Redis
broker, result backend and cache. DJANGO_ENV=production refuses to start without
SECRET_KEY and ALLOWED_HOSTS and turns on every protection `check --deploy` asks for.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
# Files the running platform writes (SQLite database, collected static files); not in git.
VAR_DIR = BASE_DIR / "var"
(VAR_DIR / "static").mkdir(parents=True, exist_ok=True)

env = environ.Env()

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"

if PRODUCTION:
    for required in ("SECRET_KEY", "ALLOWED_HOSTS"):
        if not env.str(required, default=""):
            raise ImproperlyConfigured(f"DJANGO_ENV=production requires {required} to be set.")
    SECRET_KEY = env.str("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
    DEBUG = False
else:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-not-secret-qunzhi-2b7e151628aed2a6abf7158809cf4f3c")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
    DEBUG = env.bool("DEBUG", default=True)

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "treebeard",
    "import_export",
    "django_celery_beat",
    "axes",
    "auditlog",
    # Ours, in dependency order: each app may depend only on those above it.
    "apps.core",
    "apps.accounts",
    "apps.organizations",
    "apps.members",
    "apps.venues",
    "apps.resources",
    "apps.activities",
    "apps.projects",
    "apps.talent",
    "apps.insights",
    "apps.exports",
]

MIDDLEWARE = [
    # First, so that every later middleware's log lines carry the request's id.
    "apps.core.logging.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The change log's actor and remote address (apps.core.audit).
    "apps.core.audit.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Near the end, so it turns a login that axes flagged as locked out into the lockout page.
    "axes.middleware.AxesMiddleware",
    # Innermost, so it sees a view's database error before any other middleware turns it into a 500.
    "apps.core.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "qunzhi.urls"
WSGI_APPLICATION = "qunzhi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database -------------------------------------------------------------------------------

DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'qunzhi.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE makes SQLite take the write lock at BEGIN, so concurrent writers queue
    # instead of failing half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # No JIT: PostgreSQL compiles any statement estimated above jit_above_cost, and for the province's
    # reports that is most of their time (the coverage count at 1M people: 190 ms with it, 63 without).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis, cache and Celery --------------------------------------------------------------

REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    # A Redis outage is a cache miss (apps.core.cache), and costs milliseconds: short timeouts.
    CACHES = {
        "default": {
            "BACKEND": "apps.core.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": env.float("REDIS_CONNECT_TIMEOUT", default=0.25),
                "socket_timeout": env.float("REDIS_SOCKET_TIMEOUT", default=0.5),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# Without a broker the tasks run in-process, so the embedded set-up needs no services.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing gives up fast when Redis is down: the task waits in the outbox (apps.core.outbox).
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=1.0)
# With acks_late a message taken by a worker that died is delivered again after this long
# (Redis has no acknowledgements of its own); longer than the longest task, or it runs twice
# while still running (harmless for outbox messages, which run once in effect).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "socket_connect_timeout": env.float("REDIS_CONNECT_TIMEOUT", default=0.25),
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"socket_connect_timeout": env.float("REDIS_CONNECT_TIMEOUT", default=0.25)}
# An outbox message sent this long ago and not yet done is published again (Redis may have lost it).
OUTBOX_REPUBLISH_AFTER_SECONDS = env.int("OUTBOX_REPUBLISH_AFTER_SECONDS", default=3600)

# Auth -----------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out login before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Anonymous users get nothing; guardian need not keep a user row for them.
GUARDIAN_ANONYMOUS_USER_NAME = None

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "apps.accounts.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login lockout (django-axes; apps.accounts.lockout explains the two counts). Within the cool-off
# window, LOGIN_FAILURE_LIMIT failures on one account, or LOGIN_ADDRESS_FAILURE_LIMIT from one
# address (an office or a mobile network shares one), lock that login out until the window has
# passed since the last failure. Admins lift a lockout in the admin (访问尝试) or with
# `manage.py axes_reset_username <name>` / `axes_reset_ip <address>`.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_HANDLER = "apps.accounts.lockout.LockoutHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=30)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
# One line per failure and lockout is enough; verbose adds a banner to every manage.py command.
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "apps.accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "apps.core.client_address.client_address"
# Addresses or networks of the reverse proxies whose X-Forwarded-For is believed (comma-separated,
# e.g. 10.0.0.2,172.16.0.0/12); empty: the connection's own address is the client's.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# I18N -----------------------------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# Static files ---------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploads (activity photos, ledger attachments, evaluation evidence): served only through views
# that check the viewer's scope, never as public /media/ URLs.
MEDIA_ROOT = Path(env("QUNZHI_MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# REST API -------------------------------------------------------------------------------

REST_FRAMEWORK = {
    # simplejwt's JWTAuthentication and DRF's content negotiation, each remembering what cannot
    # change between requests (bench scenario 1: they were most of an API request's floor).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "apps.core.negotiation.RememberingContentNegotiation",
    "DEFAULT_PAGINATION_CLASS": "apps.core.pagination.SyncCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "apps.core.filters.UpdatedSinceFilter",
        "apps.core.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.exceptions.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
    # apps.accounts.throttles: 429 in Chinese with Retry-After, counted in the cache (Redis in
    # production). Rates as "<n>/<second|minute|hour|day>"; "off" turns one off.
    "DEFAULT_THROTTLE_CLASSES": ["apps.accounts.throttles.UserThrottle", "apps.accounts.throttles.AnonThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        scope: (None if rate.strip().lower() == "off" else rate)
        for scope, rate in {
            "user": env.str("API_THROTTLE_USER", default="600/minute"),
            "anon": env.str("API_THROTTLE_ANON", default="60/minute"),
            "token": env.str("API_THROTTLE_TOKEN", default="20/minute"),
        }.items()
    },
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=30)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "UPDATE_LAST_LOGIN": False,
    "AUTH_TOKEN_CLASSES": ("apps.accounts.authentication.AccessToken",),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "群智 qunzhi API",
    "DESCRIPTION": "“互联网+群团”协同平台 REST 接口（/api/v1/）。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The errors every operation can answer (400, 401, 403, 404, 409, 429) documented once; times as written.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.core.schema.complete_schema",
    ],
    # Several models have a `level`; each choice set gets its own named enum.
    "ENUM_NAME_OVERRIDES": {
        "RegionLevelEnum": "apps.organizations.models.RegionLevel",
        "OrganizationLevelEnum": "apps.organizations.models.OrganizationLevel",
        # …and a `kind`.
        "HostUnitKindEnum": "apps.organizations.models.HostUnitKind",
        "MeetingKindEnum": "apps.organizations.models.MeetingKind",
        "VenueKindEnum": "apps.venues.models.VenueKind",
        "RoomKindEnum": "apps.venues.models.RoomKind",
        "CenterKindEnum": "apps.resources.models.CenterKind",
        "FundKindEnum": "apps.resources.models.FundKind",
        "ExportKindEnum": "apps.exports.models.ExportKind",
        "ExportFormatEnum": "apps.exports.models.ExportFormat",
        "EntryKindEnum": "apps.resources.models.EntryKind",
        # …and a `status`.
        "ProjectStatusEnum": "apps.projects.models.ProjectStatus",
        "CourseStatusEnum": "apps.talent.models.CourseStatus",
        "AttendanceStatusEnum": "apps.talent.models.AttendanceStatus",
        "RotationStatusEnum": "apps.talent.models.RotationStatus",
        # A cadre post's `post_type` and a course's `target_post_type` are one choice set.
        "PostTypeEnum": "apps.members.models.PostType",
    },
    # No call to validator.swagger.io: the users' networks are closed.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# Import / export ------------------------------------------------------------------------

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# Admin imports (django-import-export holds the whole file in memory and previews it) refuse a
# larger file before reading it; the people bulk import streams, so it allows more (100,000 rows).
IMPORT_MAX_UPLOAD_MB = env.int("IMPORT_MAX_UPLOAD_MB", default=20)
PEOPLE_BULK_IMPORT_MAX_MB = env.int("PEOPLE_BULK_IMPORT_MAX_MB", default=64)
# Uploaded files above this go to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 2**20
# A request body other than files (JSON, form fields) above this is refused with a 400.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 2**20
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
DATA_UPLOAD_MAX_NUMBER_FILES = 20

# Security -------------------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # probes from inside the network speak plain HTTP
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# One line per record: JSON on stdout in production (apps.core.logging.JsonFormatter), where the
# container's log driver collects it; plain text on stderr for a developer, whose stdout carries
# commands' output (dumpdata, shell). LOG_FORMAT overrides the format.
# gunicorn (qunzhi/gunicorn_conf.py) and Celery (qunzhi/celery.py) log through this same config.
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if PRODUCTION else "plain")
if LOG_FORMAT not in ("json", "plain"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or plain, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "apps.core.logging.JsonFormatter"},
    },
    "filters": {
        "access_log_fields": {"()": "apps.core.logging.AccessLogFields"},
        "mask_id_numbers": {"()": "apps.core.log_filters.MaskIdNumbers"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout" if PRODUCTION else "ext://sys.stderr",
            "formatter": LOG_FORMAT,
            # In this order: the fields are taken before masking drops the line's arguments.
            "filters": ["access_log_fields", "mask_id_numbers"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django's, gunicorn's and Celery's own handlers would print every line a second time
    # beside the root's, unmasked and not as JSON.
    "loggers": {
        "django": {"handlers": [], "propagate": True},
        "django.server": {"handlers": [], "propagate": True},
        "gunicorn.access": {"handlers": [], "propagate": True},
        "gunicorn.error": {"handlers": [], "propagate": True},
        "celery": {"handlers": [], "propagate": True},
    },
}

# Platform -------------------------------------------------------------------------------

# Sensitive personal information (ID numbers) is encrypted at rest (apps.core.crypto).
# FIELD_ENCRYPTION_KEYS: comma-separated Fernet keys, the first encrypts, all decrypt
# (generate with `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`).
# FIELD_HASH_KEY: the HMAC key of the lookup hashes; changing it needs a re-hash.
if PRODUCTION:
    for required in ("FIELD_ENCRYPTION_KEYS", "FIELD_HASH_KEY"):
        if not env.str(required, default=""):
            raise ImproperlyConfigured(f"DJANGO_ENV=production requires {required} to be set.")
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=["ZGV2LW9ubHkta2V5LW5vdC1mb3ItcHJvZHVjdGlvbiE="])
FIELD_HASH_KEY = env.str("FIELD_HASH_KEY", default="dev-only-hash-key-not-for-production")

# Tombstones older than this are purged; a client that last synced before then resyncs.
SYNC_TOMBSTONE_RETENTION_DAYS = env.int("SYNC_TOMBSTONE_RETENTION_DAYS", default=180)

# Volunteer hours credited per person and day at most, whatever the check-in and check-out say.
VOLUNTEER_DAILY_CAP_HOURS = env.int("VOLUNTEER_DAILY_CAP_HOURS", default=8)
# How long before an activity's start check-in opens.
CHECK_IN_OPENS_MINUTES = env.int("CHECK_IN_OPENS_MINUTES", default=30)

# How long a worked-out scorecard is served from the cache (apps.insights.scorecard_cache).
SCORECARD_CACHE_SECONDS = env.int("SCORECARD_CACHE_SECONDS", default=600)
# The coverage report is counted again after any write to host units, organizations or rules
# (apps.organizations.coverage_cache); this bounds what that cannot see (a write bypassing the ORM,
# or made while Redis was unreachable).
COVERAGE_CACHE_SECONDS = env.int("COVERAGE_CACHE_SECONDS", default=300)

# Declared in code and copied into django-celery-beat's tables by `manage.py
# sync_beat_schedule`, which adds what is missing and leaves alone what an admin has edited
# (Celery's own CELERY_BEAT_SCHEDULE would overwrite those edits at every beat start).
QUNZHI_BEAT_SCHEDULE = {
    "relay-outbox": {"task": "core.outbox_relay", "schedule": timedelta(minutes=1)},
    "purge-sync-tombstones": {"task": "core.tombstones_purge", "schedule": timedelta(days=1)},
    "reevaluate-memberships": {"task": "members.reevaluate_memberships", "schedule": timedelta(days=1)},
    "remind-tomorrows-bookings": {"task": "venues.bookings_remind", "schedule": crontab(hour=18, minute=0)},
    "complete-past-bookings": {"task": "venues.bookings_complete", "schedule": timedelta(minutes=30)},
    "extend-duty-rosters": {
        "task": "resources.extend_duty_rosters",
        "schedule": crontab(day_of_week=1, hour=1, minute=0),
    },
    "send-duty-reminders": {"task": "resources.send_duty_reminders", "schedule": crontab(hour=18, minute=30)},
    "mark-worked-shifts": {"task": "resources.mark_worked_shifts", "schedule": crontab(hour=0, minute=15)},
    "remind-tomorrows-activities": {"task": "activities.send_reminders", "schedule": crontab(hour=18, minute=45)},
    "advance-activity-status": {"task": "activities.advance_status", "schedule": timedelta(minutes=10)},
    "finish-ended-projects": {"task": "projects.finish_ended", "schedule": crontab(hour=0, minute=30)},
    "remind-tomorrows-training": {"task": "talent.send_session_reminders", "schedule": crontab(hour=19, minute=0)},
    "advance-rotations": {"task": "talent.advance_rotations", "schedule": crontab(hour=0, minute=45)},
    "remind-overdue-follow-ups": {
        "task": "organizations.remind_overdue_follow_ups",
        "schedule": crontab(hour=8, minute=30),
    },
    # After the nightly status tasks, so the day's finished work counts; summaries first.
    "refresh-scorecard-summaries": {
        "task": "insights.refresh_scorecard_summaries",
        "schedule": crontab(hour=1, minute=30),
    },
    "compute-joint-evaluations": {"task": "insights.compute_evaluations", "schedule": crontab(hour=2, minute=0)},
    # Within SCORECARD_CACHE_SECONDS, so the most opened scorecards are always served from the cache.
    "warm-scorecards": {"task": "insights.warm_scorecards", "schedule": timedelta(minutes=5)},
}
