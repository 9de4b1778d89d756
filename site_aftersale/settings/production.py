"""Production: refuses to start without a real SECRET_KEY; secure cookies and HTTPS headers on."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import AFTERSALE_OUTBOUND_HTTP_ALLOW_HOSTS, FIELD_ENCRYPTION_KEY, REST_FRAMEWORK, SECRET_KEY
from .env import env_bool, env_int

DEBUG = False

if not SECRET_KEY or SECRET_KEY.startswith("insecure-") or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured("SECRET_KEY must be set to a random string of at least 50 characters in production.")

if not FIELD_ENCRYPTION_KEY:
    # Stored integration tokens must not depend on SECRET_KEY, which gets rotated.
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEY must be set in production (generate one with "
        "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`)."
    )

if AFTERSALE_OUTBOUND_HTTP_ALLOW_HOSTS:
    # Plain http and the public-address rule's exemption are for fakes in tests and staging, never for a
    # deployment that brands use: a brand's URL on a listed host would reach inside our network.
    raise ImproperlyConfigured("OUTBOUND_HTTP_ALLOW_HOSTS must be empty in production.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Production runs behind one TLS-terminating load balancer (README); rate limits count its X-Forwarded-For.
REST_FRAMEWORK = {**REST_FRAMEWORK, "NUM_PROXIES": env_int("TRUSTED_PROXIES", 1)}
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^api/health$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
