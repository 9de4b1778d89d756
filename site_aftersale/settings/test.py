"""The test suite: fast hashing, in-memory email, tasks run inline unless a test starts a worker."""

from .base import *  # noqa: F403
from .base import Q_CLUSTER, REST_FRAMEWORK

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        "auth_ip": "1000/minute",
        "auth_account": "1000/minute",
        "public_ip": "1000/minute",
    },
}
# The Shopify tests run a fake Admin API on 127.0.0.1; a short timeout keeps its "hang" case quick.
AFTERSALE_SHOPIFY_ALLOW_HTTP_HOSTS = ["127.0.0.1"]
AFTERSALE_SHOPIFY_TIMEOUT = 0.5
AFTERSALE_SHOPIFY_TEST_TIMEOUT = 0.5
