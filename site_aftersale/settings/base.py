"""Settings shared by every environment; anything deployment-specific is read from the environment."""

import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url

from .env import env_bool, env_float, env_int, env_list, env_str

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent

SECRET_KEY = env_str("SECRET_KEY", "insecure-development-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "warranty_api",
    "home",
    "support_docs",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.routable_page",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.api.v2",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "warranty_api.core.middleware.ApiErrorEnvelopeMiddleware",
    "warranty_api.core.db_routing.ReplicaReadsMiddleware",
    "warranty_api.tenancy.middleware.TenantMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "warranty_api.core.middleware.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "home.csp.ContentSecurityPolicyMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "site_aftersale.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "site_aftersale.wsgi.application"

# Database: SQLite next to the code unless DATABASE_URL names another (PostgreSQL in production).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and the django-q2 worker share one file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# The registration's statements are prepared once per PostgreSQL connection (warranty_api/services/
# statements.py). psycopg prepares only statements sent with `prepare=True` when its threshold is a number;
# Django's own cursors bind on the client and are never prepared, so "never by count" keeps them as they were.
# Off for a pooler that cannot keep a session's prepared statements (PgBouncer < 1.21 in transaction mode).
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DATABASE_PREPARED_STATEMENTS:
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = sys.maxsize

# Read replicas (PostgreSQL streaming standbys of the primary), comma-separated; see warranty_api/core/db_routing.py.
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    DATABASES[f"replica{_number}"] = {
        **dj_database_url.parse(_url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60), conn_health_checks=True),
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["warranty_api.core.db_routing.ReplicaRouter"]
DATABASE_REPLICA_PIN_SECONDS = env_int("DATABASE_REPLICA_PIN_SECONDS", 10)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "warranty_api.User"
# Every password check outside the API's own endpoints (Wagtail's admin sign-in) goes through the API's lockout
# and rate budgets; Wagtail's reset form finds staff accounts only, within the forgot-password budgets.
AUTHENTICATION_BACKENDS = ["warranty_api.accounts.authentication.AccountPasswordBackend"]
WAGTAILADMIN_USER_LOGIN_FORM = "home.forms.AdminLoginForm"
WAGTAILADMIN_USER_PASSWORD_RESET_FORM = "home.forms.AdminPasswordResetForm"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# Every language the product ships (.po files under locale/); a brand offers all or some of them, English first.
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))

# Media goes through Django's storage API; an S3-compatible bucket replaces the disk when
# MEDIA_STORAGE_BACKEND names a storage class (for example storages.backends.s3.S3Storage).
MEDIA_STORAGE_BACKEND = env_str("MEDIA_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage")
# On object storage the bucket stays private: media is streamed through the API after its permission
# check (warranty_api/media/views.py), never linked. Credentials come from boto3's own chain
# (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or the host's role).
MEDIA_STORAGE_OPTIONS = (
    {
        "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME"),
        "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
        "region_name": env_str("AWS_S3_REGION_NAME") or None,
        "default_acl": None,
        "file_overwrite": False,
        "querystring_auth": True,
    }
    if MEDIA_STORAGE_BACKEND == "storages.backends.s3.S3Storage"
    else {}
)
STORAGES = {
    "default": {"BACKEND": MEDIA_STORAGE_BACKEND, "OPTIONS": MEDIA_STORAGE_OPTIONS},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage",
    },
}

# Cache: Redis when REDIS_URL is set (shared by every web process, so throttles hold), else local memory.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "aftersale"}}

# Email: console unless SMTP is configured.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", bool(EMAIL_HOST))
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
# Over SMTP, Django's backend with EMAIL_TIMEOUT for the whole of a send, not for each socket operation.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "warranty_api.integrations.email.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Aftersale <no-reply@aftersale.localhost>")

# Task queue: django-q2 with the ORM broker, or Redis when REDIS_URL is set.
# retry must exceed timeout, or a slow task is handed to a second worker while it still runs.
Q_CLUSTER = {
    "name": "aftersale",
    "workers": env_int("Q_WORKERS", 2),
    "timeout": 60,
    "retry": 120,
    "max_attempts": 5,
    "ack_failures": True,
    "save_limit": 1000,
    "catch_up": False,
    "label": "Task queue",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["warranty_api.accounts.authentication.TenantJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # API.md: request bodies are JSON; only the upload views take multipart/form-data (they say so themselves).
    "DEFAULT_PARSER_CLASSES": ["warranty_api.core.parsers.ApiJSONParser"],
    "EXCEPTION_HANDLER": "warranty_api.core.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "warranty_api.core.schema.ApiAutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Who a client is, for the rate limits: the connection's address, or with N trusted proxies in front the
    # address the last of them saw (the Nth from the right of X-Forwarded-For). Never the header as sent,
    # which any client can fill with a new value per request to get a fresh budget.
    "NUM_PROXIES": env_int("TRUSTED_PROXIES", 0),
    "DEFAULT_THROTTLE_RATES": {
        "auth_ip": env_str("THROTTLE_AUTH_IP", "30/minute"),
        "auth_account": env_str("THROTTLE_AUTH_ACCOUNT", "10/minute"),
        "public_ip": env_str("THROTTLE_PUBLIC_IP", "60/minute"),
    },
}

# The portal keeps its refresh token in an HttpOnly cookie (warranty_api/core/session_cookie.py); Secure everywhere but dev.
AFTERSALE_REFRESH_COOKIE_SECURE = True
# A refresh token rotated out less than this long ago still stands for its session (a page left mid-refresh never
# stored the new cookie); older reuse answers 401.
AFTERSALE_REFRESH_GRACE_SECONDS = env_int("REFRESH_GRACE_SECONDS", 60)

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=15),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=14),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "SIGNING_KEY": env_str("JWT_SIGNING_KEY") or SECRET_KEY,
    "USER_ID_FIELD": "public_id",
    "USER_ID_CLAIM": "user_id",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Aftersale API",
    "DESCRIPTION": "Warranty registration, claims and post-purchase care for product brands.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The reference is public: a bearer token sent along (apps send theirs everywhere) is not even read.
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": ["warranty_api.core.schema.api_paths_only"],
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "warranty_api.core.schema.close_strict_bodies"],
    # Several models have a `status`; name each enum after its model so the schema stays stable.
    "ENUM_NAME_OVERRIDES": {
        "NoticeKindEnum": "warranty_api.notices.models.Notice.Kind",
        "NoticeStatusEnum": "warranty_api.notices.models.Notice.Status",
        "ClaimStatusEnum": "warranty_api.claims.models.Claim.Status",
        "FulfillmentStatusEnum": "warranty_api.claims.models.Fulfillment.Status",
        "MediaKindEnum": "warranty_api.media.models.Media.Kind",
        "FulfillmentKindEnum": "warranty_api.claims.models.Fulfillment.Kind",
        "VerificationModeEnum": "warranty_api.tenancy.models.VerificationMode",
        "WarrantyVerificationEnum": "warranty_api.warranties.models.Warranty.Verification",
        "JobStatusEnum": "warranty_api.labels.models.LabelSheetJob.Status",
    },
}

# Uploads: 10 MB per file; Django streams anything above 2.5 MB to a temporary file.
AFTERSALE_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
# Pixels an upload may decode to (about 4 bytes each while it is re-encoded): signed in, and anonymous.
AFTERSALE_UPLOAD_MAX_PIXELS = env_int("UPLOAD_MAX_PIXELS", 40_000_000)
AFTERSALE_UPLOAD_PUBLIC_MAX_PIXELS = env_int("UPLOAD_PUBLIC_MAX_PIXELS", 16_000_000)
# Images decoded at once per process (a raster is held while it is decoded, cleaned and re-encoded), and how long
# an upload may wait for one of those slots before it is answered 503 `busy` (services/media.py, decode_slot).
AFTERSALE_UPLOAD_DECODE_CONCURRENCY = env_int("UPLOAD_DECODE_CONCURRENCY", 2)
AFTERSALE_UPLOAD_DECODE_WAIT_SECONDS = env_int("UPLOAD_DECODE_WAIT_SECONDS", 20)
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Links in emails; unset, they follow the port the development server was started on (`PORT=8101 make run`).
AFTERSALE_PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "") or f"http://127.0.0.1:{env_str('PORT', '') or '8000'}"
# Outbox work (email, purchase checks, webhook deliveries, fulfillment requests; services/outbox.py): how long a
# worker holds a row it works on before a sweep may give it to another worker (one setting for every kind; it
# must outlast one attempt, which the checks in warranty_api/core/checks.py hold it to), the wait before a retry
# (base, doubling, capped), and how often the sweeps re-enqueue what is due (schedules_sync).
AFTERSALE_OUTBOX_LEASE_SECONDS = env_int("OUTBOX_LEASE_SECONDS", 300)
AFTERSALE_OUTBOX_RETRY_BASE_SECONDS = env_int("OUTBOX_RETRY_BASE_SECONDS", 30)
AFTERSALE_OUTBOX_RETRY_MAX_SECONDS = env_int("OUTBOX_RETRY_MAX_SECONDS", 3600)
AFTERSALE_OUTBOX_SWEEP_MINUTES = env_int("OUTBOX_SWEEP_MINUTES", 1)
# A label sheet renews its lease after every page; this is the longest it may go between two renewals (one page,
# or the write of the finished PDF to the media storage), so the lease check holds the lease above it.
AFTERSALE_LABEL_SHEET_STEP_SECONDS = env_int("LABEL_SHEET_STEP_SECONDS", 60)
# Scheduled reminders: a warranty ending within this many days gets one reminder; a claim waiting this many
# days in info_requested gets one reminder per waiting period. Jobs read rows in batches of this size.
AFTERSALE_EXPIRY_REMINDER_DAYS = env_int("EXPIRY_REMINDER_DAYS", 30)
AFTERSALE_INFO_REQUEST_REMINDER_DAYS = env_int("INFO_REQUEST_REMINDER_DAYS", 14)
AFTERSALE_REMINDER_BATCH_SIZE = env_int("REMINDER_BATCH_SIZE", 500)
# Analytics (README "Analytics"): how often the failure-rate cells are rebuilt; when a claim's clock is "due soon";
# how many claims from one email, phone or address in 90 days raise the velocity signal; notice send batches.
AFTERSALE_ANALYTICS_REFRESH_MINUTES = env_int("ANALYTICS_REFRESH_MINUTES", 15)
AFTERSALE_SLA_DUE_SOON_FRACTION = env_float("SLA_DUE_SOON_FRACTION", 0.25)
AFTERSALE_RISK_VELOCITY_CLAIMS = env_int("RISK_VELOCITY_CLAIMS", 3)
AFTERSALE_NOTICE_SEND_BATCH = env_int("NOTICE_SEND_BATCH", 200)

# Accounts: reset links live an hour; failed sign-ins for one account wait 2^(n-5) s after 5, at most 15 minutes.
PASSWORD_RESET_TIMEOUT = 3600
AFTERSALE_LOGIN_BACKOFF = {"free_failures": 5, "base_seconds": 1, "max_seconds": 15 * 60}

WAGTAIL_SITE_NAME = "Aftersale"
# No avatar is fetched from Gravatar: a staff screen sends no request off the machine.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# Wagtail's own password panel checks the old password outside the shared lockout; the workspace registers a
# guarded one instead (warranty_api/workspace/account.py). Password reset from the admin's sign-in page stays.
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_PASSWORD_RESET_ENABLED = True
WAGTAILADMIN_BASE_URL = AFTERSALE_PUBLIC_BASE_URL
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        # Wagtail logs every page action and background task at INFO; keep the console for our own lines.
        "wagtail": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "modelsearch": {"level": "WARNING"},
        # The certificate's fonts are cut down to the glyphs each PDF uses: fontTools logs every table it trims.
        "fontTools": {"level": "WARNING"},
    },
}

# Secrets stored in the database (integration tokens) are encrypted with these Fernet keys (comma separated,
# the first encrypts; see warranty_api/core/crypto.py). Empty: a key derived from SECRET_KEY, for development only.
FIELD_ENCRYPTION_KEY = env_str("FIELD_ENCRYPTION_KEY")

# Shopify purchase verification.
AFTERSALE_SHOPIFY_API_VERSION = env_str("SHOPIFY_API_VERSION", "2025-07")
AFTERSALE_SHOPIFY_TIMEOUT = env_float("SHOPIFY_TIMEOUT", 10.0)  # seconds for the whole of a call to Shopify
AFTERSALE_SHOPIFY_TEST_TIMEOUT = env_float("SHOPIFY_TEST_TIMEOUT", 5.0)  # the admin's connection test
AFTERSALE_SHOPIFY_DATE_WINDOW_DAYS = env_int("SHOPIFY_DATE_WINDOW_DAYS", 30)  # order date vs purchase date
AFTERSALE_SHOPIFY_MAX_ATTEMPTS = env_int("SHOPIFY_MAX_ATTEMPTS", 8)

# Hosts an outbound call (a webhook or inventory URL, a Shopify api_base_url override) may name over plain
# http, and that skip the public-address check: a test's or a staging deployment's fakes. Refused in production.
AFTERSALE_OUTBOUND_HTTP_ALLOW_HOSTS = env_list("OUTBOUND_HTTP_ALLOW_HOSTS")

# Webhooks (apps and the inventory system).
AFTERSALE_WEBHOOK_TIMEOUT = env_float("WEBHOOK_TIMEOUT", 10.0)  # seconds for the whole of one delivery
AFTERSALE_WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 10)  # waits of 30 s doubling, capped at 1 h: ~3 h
# Inbound inventory events: a signature's timestamp may be this far from now, either way.
AFTERSALE_WEBHOOK_REPLAY_WINDOW_SECONDS = 300
