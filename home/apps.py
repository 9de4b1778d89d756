from django.apps import AppConfig

from warranty_api.tenancy.signals import staff_access_changed, tenant_configured


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = "Portal pages"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from .provisioning import portal_provision, staff_groups_sync  # loads models: once the registry is ready

        def on_tenant_configured(sender, tenant, **kwargs):
            return portal_provision(tenant)

        def on_staff_access_changed(sender, user, **kwargs):
            staff_groups_sync(user)

        tenant_configured.connect(on_tenant_configured, dispatch_uid="home.portal_provision", weak=False)
        staff_access_changed.connect(on_staff_access_changed, dispatch_uid="home.staff_groups_sync", weak=False)
