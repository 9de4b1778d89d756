"""Local development: DEBUG on, everything else from the environment or the embedded defaults."""

from .base import *  # noqa: F403
from .env import env_bool

DEBUG = env_bool("DEBUG", True)
# http://127.0.0.1 is not https: a Secure cookie would not come back to `make run`'s server.
AFTERSALE_REFRESH_COOKIE_SECURE = env_bool("REFRESH_COOKIE_SECURE", False)
