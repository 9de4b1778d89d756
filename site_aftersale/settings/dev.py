"""Local development: DEBUG on, everything else from the environment or the embedded defaults."""

from .base import *  # noqa: F403
from .env import env_bool

DEBUG = env_bool("DEBUG", True)
