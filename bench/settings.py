"""Settings of the benchmark server: the product's, plus the floor view's URL and no rate limits."""

from site_aftersale.settings.base import *  # noqa: F403
from site_aftersale.settings.base import REST_FRAMEWORK

ROOT_URLCONF = "bench.urls"
DEBUG = False
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"auth_ip": "1000000/minute", "auth_account": "1000000/minute",
                               "public_ip": "1000000/minute"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
