"""Each tenant's place in Wagtail: its portal root page, its collection, and the groups of its staff.

Wagtail is not multi-tenant by itself, so a tenant's editors get page and collection permissions that
cover that tenant's portal and collection alone.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Locale, Page, Site

from home.models import LandingPage, TenantPortalPage
from warranty_api.models import Membership, StaffRole, Tenant, User

_PAGE_PERMISSIONS = {
    StaffRole.ADMIN: ("add_page", "change_page", "publish_page", "lock_page", "unlock_page"),
    StaffRole.AGENT: ("add_page", "change_page"),
}
_COLLECTION_PERMISSIONS = (
    ("wagtailimages", "add_image"), ("wagtailimages", "change_image"), ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"), ("wagtaildocs", "change_document"), ("wagtaildocs", "choose_document"),
)


def landing_page_get_or_create():
    """The site root that holds every portal; replaces Wagtail's placeholder welcome page the first time."""
    landing = LandingPage.objects.first()
    if landing is not None:
        _site_name_ensure()
        return landing
    _wagtail_roots_ensure()
    root = Page.get_first_root_node()
    landing = root.add_child(instance=LandingPage(title="Aftersale", slug="aftersale-home"))
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname="localhost", port=80, root_page=landing, is_default_site=True, site_name="Aftersale")
    else:
        old_root = site.root_page
        site.root_page = landing
        site.save()
        if old_root.specific_class is Page and old_root.depth == 2 and not old_root.get_children().exists():
            old_root.delete()
    _site_name_ensure()
    return landing


def _site_name_ensure() -> None:
    """Wagtail's admin names the site by its hostname when it has no name ("localhost"): it is the platform's."""
    Site.objects.filter(is_default_site=True, site_name="").update(site_name=settings.WAGTAIL_SITE_NAME)


def _wagtail_roots_ensure() -> None:
    """Wagtail's migrations create a default locale, a root page and a root collection; a flushed database
    (or one restored without them) lacks them, and every portal needs all three."""
    if not Locale.objects.exists():
        Locale.objects.create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
    if Page.get_first_root_node() is None:
        Page.add_root(instance=Page(title="Root", slug="root", locale=Locale.get_default()))
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")


@transaction.atomic
def portal_provision(tenant: Tenant) -> list[str]:
    """Make sure the tenant has its portal page at /<slug>/, a collection and its two groups."""
    report = []
    _site_name_ensure()
    portal = TenantPortalPage.objects.filter(tenant=tenant).first()
    if portal is None:
        landing = landing_page_get_or_create()
        portal = landing.add_child(instance=TenantPortalPage(title=tenant.name, slug=tenant.slug, tenant=tenant))
        portal.save_revision().publish()
        report.append(f"created portal page /{tenant.slug}/")

    if tenant.collection_id is None:
        _wagtail_roots_ensure()
        root = Collection.get_first_root_node()
        tenant.collection = root.add_child(name=f"{tenant.name} ({tenant.slug})")
        report.append("created media collection")

    for role in (StaffRole.ADMIN, StaffRole.AGENT):
        attr = f"{role}_group"
        if getattr(tenant, f"{attr}_id") is None:
            group = Group.objects.create(name=f"{tenant.slug} {role}s")
            group.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
            for codename in _PAGE_PERMISSIONS[role]:
                GroupPagePermission.objects.create(
                    group=group,
                    page=portal,
                    permission=Permission.objects.get(content_type__app_label="wagtailcore", codename=codename),
                )
            for app_label, codename in _COLLECTION_PERMISSIONS:
                GroupCollectionPermission.objects.create(
                    group=group,
                    collection=tenant.collection,
                    permission=Permission.objects.get(content_type__app_label=app_label, codename=codename),
                )
            setattr(tenant, attr, group)
            report.append(f"created group {group.name}")
    if report:
        tenant.save()
    return report


def staff_groups_sync(user: User) -> None:
    """Put a staff user in exactly the Wagtail groups of the tenants and roles they hold."""
    memberships = Membership.objects.filter(user=user, is_active=True, accepted_at__isnull=False).select_related("tenant")
    tenant_group_ids = {
        group_id
        for pair in Tenant.objects.values_list("admin_group_id", "agent_group_id")
        for group_id in pair
        if group_id is not None
    }
    wanted = {getattr(m.tenant, f"{m.role}_group_id") for m in memberships} - {None}
    current = set(user.groups.filter(id__in=tenant_group_ids).values_list("id", flat=True))
    if current - wanted:
        user.groups.remove(*(current - wanted))
    if wanted - current:
        user.groups.add(*(wanted - current))
