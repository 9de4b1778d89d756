from django.apps import AppConfig


class SupportDocsConfig(AppConfig):
    name = "support_docs"
    verbose_name = "Support documentation"
    default_auto_field = "django.db.models.BigAutoField"
