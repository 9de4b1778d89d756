"""The test suite: fast hashing, in-memory email, tasks run inline unless a test starts a worker."""

from .base import *  # noqa: F403
from .base import MEDIA_STORAGE_BACKEND, MEDIA_STORAGE_OPTIONS, Q_CLUSTER, REST_FRAMEWORK
from .env import env_bool, env_float, env_int, env_list, env_str

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
# Tasks run inline in tests; a test that starts a real worker process sets Q_SYNC=0 for it.
Q_CLUSTER = {**Q_CLUSTER, "sync": env_bool("Q_SYNC", True)}
# Media as the environment says (the disk unless MEDIA_STORAGE_BACKEND names another); plain static files.
STORAGES = {
    "default": {"BACKEND": MEDIA_STORAGE_BACKEND, "OPTIONS": MEDIA_STORAGE_OPTIONS},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    # High enough for any test's traffic; a test of the limits themselves (tests/topology) sets its own.
    "DEFAULT_THROTTLE_RATES": {
        "auth_ip": env_str("THROTTLE_AUTH_IP", "1000/minute"),
        "auth_account": env_str("THROTTLE_AUTH_ACCOUNT", "1000/minute"),
        "public_ip": env_str("THROTTLE_PUBLIC_IP", "1000/minute"),
    },
}
# The tests run a fake Shopify Admin API and webhook receivers on 127.0.0.1; short timeouts keep their "hang"
# cases quick. Each still comes from its environment variable when set (a worker a test starts sets its own).
AFTERSALE_OUTBOUND_HTTP_ALLOW_HOSTS = env_list("OUTBOUND_HTTP_ALLOW_HOSTS", ["127.0.0.1"])
AFTERSALE_SHOPIFY_TIMEOUT = env_float("SHOPIFY_TIMEOUT", 0.5)
AFTERSALE_SHOPIFY_TEST_TIMEOUT = env_float("SHOPIFY_TEST_TIMEOUT", 0.5)
AFTERSALE_WEBHOOK_TIMEOUT = env_float("WEBHOOK_TIMEOUT", 1.0)
# The tests' label sheets are a few labels on local disk; the workers they start run with leases of a few seconds.
AFTERSALE_LABEL_SHEET_STEP_SECONDS = env_int("LABEL_SHEET_STEP_SECONDS", 1)
