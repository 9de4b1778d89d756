"""Reads of the brand's configuration record."""

from django.db.models import QuerySet

from warranty_api.exceptions import ValidationFailed
from warranty_api.models import Tenant
from warranty_api.tenancy.models import ConfigChange


def config_change_list(*, tenant: Tenant, target: str | None = None) -> QuerySet[ConfigChange]:
    qs = ConfigChange.objects.filter(tenant=tenant)
    if target:
        if target not in ConfigChange.Target.values:
            raise ValidationFailed.field("target", "invalid", "Use one of " + ", ".join(ConfigChange.Target.values))
        qs = qs.filter(target=target)
    return qs
