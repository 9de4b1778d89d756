"""Settings of the benchmark server: the product's, plus the floor view's URL."""

from site_aftersale.settings.base import *  # noqa: F403
from site_aftersale.settings.base import REST_FRAMEWORK

ROOT_URLCONF = "bench.urls"
DEBUG = False
# As deployed: behind one load balancer, and the public endpoints' per-client rate limit at its default (the
# load generator's requests each come from another client, as registrations from customers' phones do).
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "NUM_PROXIES": 1,
    "DEFAULT_THROTTLE_RATES": {**REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "auth_ip": "1000000/minute",
                               "auth_account": "1000000/minute"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
