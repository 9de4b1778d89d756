from django.apps import AppConfig


class WarrantyApiConfig(AppConfig):
    name = "warranty_api"
    verbose_name = "Aftersale"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from warranty_api.core import checks, schema  # noqa: F401  registers the start-up checks and the OpenAPI extension
        from warranty_api.core.serializers import refuse_numbers_as_text

        refuse_numbers_as_text()
