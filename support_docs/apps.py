"""The support documentation app: manuals, FAQs and guides in each brand's portal."""

from django.apps import AppConfig


class SupportDocsConfig(AppConfig):
    name = "support_docs"
    verbose_name = "Support documentation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The tenant file's `support` section is ours; onboarding applies it without importing this app. Both
        # modules load models, so they are imported once the app registry is ready.
        from warranty_api.onboarding.config_file import ConfigSection, config_section_register

        from .tenant_content import support_content_apply, validate_support

        config_section_register(ConfigSection("support", validate_support, support_content_apply))
