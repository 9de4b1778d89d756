"""Rate limits of the API, kept in the cache (Redis in production) so every web process shares them."""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class PublicIpThrottle(SimpleRateThrottle):
    """Anonymous public endpoints (public upload): a budget per client IP, rate `public_ip` in settings."""

    scope = "public_ip"

    def get_rate(self):
        # Read the rate at request time rather than at import, so a settings change takes effect.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
