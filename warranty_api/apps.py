from django.apps import AppConfig


class WarrantyApiConfig(AppConfig):
    name = "warranty_api"
    verbose_name = "Aftersale"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported once the app registry is ready: these modules load models, and apps.py is read before them.
        from warranty_api.core import checks, schema  # noqa: F401  registers the start-up checks and the OpenAPI extension
        from warranty_api.core.serializers import refuse_numbers_as_text

        # Each defines its kind of outbox work, which the lease check (core/checks.py) reads.
        from warranty_api.notifications import services as _notifications  # noqa: F401
        from warranty_api.verification import services as _verification  # noqa: F401
        from warranty_api.webhooks import services as _webhooks  # noqa: F401

        refuse_numbers_as_text()
