"""OpenAPI generation: only /api/ paths, and the tenant-bound bearer scheme described."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


def api_paths_only(endpoints, **kwargs):
    """drf-spectacular preprocessing hook: Wagtail's admin API is not part of our contract."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/")]


class TenantJWTScheme(OpenApiAuthenticationExtension):
    target_class = "warranty_api.authentication.TenantJWTAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An access token from POST /api/{tenant}/auth/login, valid only on that tenant's paths.",
        }
