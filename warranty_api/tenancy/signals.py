"""What the portal keeps in step with a tenant and its staff, announced here so that tenancy never imports it.

The portal (`home`) builds on the API, never the reverse: its Wagtail pages, collection and groups follow a
tenant's configuration and its staff memberships by listening to these signals (`home.apps`). They are sent
synchronously, inside the caller's transaction, so a failure there rolls the change back as a direct call did.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with `tenant` once its configuration is applied; each receiver answers the report lines of what it did.
tenant_configured = Signal()
# Sent with `user` whenever one of their staff memberships is added, accepted, changed or deactivated.
staff_access_changed = Signal()


def portal_provision(tenant) -> list[str]:
    """Have the tenant's portal made or brought in line; answers what changed, for the configuration report."""
    responses = tenant_configured.send(sender=tenant.__class__, tenant=tenant)
    return [line for _receiver, lines in responses for line in lines or ()]


def staff_groups_sync(user) -> None:
    """Have a staff user's portal-side permissions follow their memberships."""
    staff_access_changed.send(sender=user.__class__, user=user)
