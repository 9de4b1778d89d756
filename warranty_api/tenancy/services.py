"""Changing a brand's settings through its admins, each change recorded; the catalog's version mark."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from warranty_api.core.exceptions import ValidationFailed
from warranty_api.tenancy.models import ConfigChange, Tenant
from warranty_api.tenancy.serializers import admin_settings_data, tenant_settings_values


def config_change_record(
    *, tenant: Tenant, actor: AbstractBaseUser | None, target: str, key: str, action: str, before: Any, after: Any
) -> ConfigChange | None:
    """One audit row of a change (none when nothing changed), in the caller's transaction."""
    if before == after:
        return None
    return ConfigChange.objects.create(
        tenant=tenant,
        actor=actor if actor is not None and actor.pk else None,
        actor_email=getattr(actor, "email", "") or "",
        target=target,
        target_key=key,
        action=action,
        before=before,
        after=after,
    )


def tenant_catalog_touch(tenant: Tenant) -> None:
    """Move the tenant row's `updated_at`, the version of every process's catalog cache.

    Each request reads its tenant row fresh, so the next request in any process, after this transaction
    commits, sees a version its cached catalog does not have and reads the catalog again.
    """
    now = timezone.now()
    Tenant.objects.filter(pk=tenant.pk).update(updated_at=now)
    tenant.updated_at = now


@transaction.atomic
def tenant_settings_update(*, tenant: Tenant, actor: AbstractBaseUser | None, data: dict) -> Tenant:
    """Apply validated `TenantSettingsInput` data (a PATCH: sections merge key by key); answer the fresh tenant."""
    locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
    before = admin_settings_data(locked)
    values = tenant_settings_values(data, current=before)
    if "resolutions" in values:
        _check_resolutions_still_cover_categories(locked, values["resolutions"])
    for name, value in values.items():
        setattr(locked, name, value)
    after = admin_settings_data(locked)
    if after != before:
        locked.save()  # updated_at moves with it: the catalog caches read again (serial formats live here too)
        config_change_record(
            tenant=locked, actor=actor, target=ConfigChange.Target.SETTINGS, key=locked.slug,
            action=ConfigChange.Action.UPDATE, before=before, after=after,
        )
    return locked


def _check_resolutions_still_cover_categories(tenant: Tenant, resolutions: list[str]) -> None:
    used = {}
    for category in tenant.categories.exclude(resolutions=None).only("slug", "resolutions"):
        for res in category.resolutions or []:
            if res not in resolutions:
                used.setdefault(res, []).append(category.slug)
    if used:
        res, slugs = sorted(used.items())[0]
        raise ValidationFailed.field(
            "claims.resolutions", "in_use",
            f"'{res}' is a resolution of the categories {', '.join(sorted(slugs))}; change them first.",
        )
