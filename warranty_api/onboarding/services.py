"""Onboarding and changing a tenant: applying a configuration file, and staff accounts."""

from __future__ import annotations

from functools import partial

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from warranty_api.accounts.models import User
from warranty_api.accounts.selectors import email_acceptable
from warranty_api.accounts.services import staff_membership_add, staff_user_get_or_create
from warranty_api.catalog.imports.services import known_serials_lock
from warranty_api.catalog.models import Category, KnownSerial, Product
from warranty_api.core.emails import normalize_email
from warranty_api.onboarding.config_file import CONFIG_SECTIONS, TenantSpec
from warranty_api.tenancy.models import Membership, Tenant
from warranty_api.tenancy.signals import portal_provision, staff_groups_sync

_TENANT_FIELDS = (
    "name", "support_email", "branding", "required_fields", "extension_window_days", "require_known_serial",
    "verification", "serial_formats", "issue_types", "resolutions", "replacement_terms",
)
_CATEGORY_FIELDS = ("name", "standard_months", "extended_months", "coverage", "transferable", "resolutions")
_PRODUCT_FIELDS = ("name", "serial_pattern", "is_active", "gtin")


def _sync_fields(obj, values: dict, fields: tuple[str, ...]) -> list[str]:
    """Set each field that differs; answer `field: old -> new` for each change."""
    changes = []
    for name in fields:
        new = values[name]
        old = getattr(obj, name)
        if old != new:
            changes.append(f"{name}: {old!r} -> {new!r}")
            setattr(obj, name, new)
    return changes


def _create_or_sync(obj, values: dict, fields: tuple[str, ...], *, create, label: str, report: list[str]):
    """`create(**values)` when there is no `obj`, else `obj` with the fields that differ set and saved; each step is
    a line of `report`."""
    if obj is None:
        obj = create(**values)
        report.append(f"created {label}")
        return obj
    changes = _sync_fields(obj, values, fields)
    if changes:
        obj.save()
        report.extend(f"updated {label}: {c}" for c in changes)
    return obj


@transaction.atomic
def tenant_config_apply(spec: TenantSpec) -> list[str]:
    """Create the tenant or bring it in line with `spec`; answer one line per change (none when in line)."""
    report: list[str] = []
    tenant = Tenant.objects.select_for_update().filter(slug=spec.slug).first()
    values = {name: getattr(spec, name) for name in _TENANT_FIELDS}
    tenant = _create_or_sync(tenant, values, _TENANT_FIELDS, create=partial(Tenant.objects.create, slug=spec.slug),
                             label=f"tenant {spec.slug}", report=report)

    categories = {c.slug: c for c in Category.objects.filter(tenant=tenant)}
    for item in spec.categories:
        categories[item["slug"]] = _create_or_sync(
            categories.get(item["slug"]), {k: item[k] for k in _CATEGORY_FIELDS}, _CATEGORY_FIELDS,
            create=partial(Category.objects.create, tenant=tenant, slug=item["slug"]),
            label=f"category {item['slug']}", report=report)

    products = {p.sku: p for p in Product.objects.filter(tenant=tenant).select_related("category")}
    wanted_skus = {item["sku"] for item in spec.products}
    for item in spec.products:
        product = products.get(item["sku"])
        category = categories[item["category"]]
        fields = {"name": item["name"], "serial_pattern": item["serial_pattern"], "is_active": True,
                  "gtin": item.get("gtin", "")}
        if product is None:
            products[item["sku"]] = Product.objects.create(tenant=tenant, sku=item["sku"], category=category, **fields)
            report.append(f"created product {item['sku']}")
            continue
        changes = _sync_fields(product, fields, _PRODUCT_FIELDS)
        if product.category_id != category.id:
            changes.append(f"category: {product.category.slug!r} -> {category.slug!r}")
            product.category = category
        if changes:
            product.save()
            report.extend(f"updated product {item['sku']}: {c}" for c in changes)
    # Products dropped from the file may have warranties, so they are retired rather than deleted.
    for sku, product in products.items():
        if sku not in wanted_skus and product.is_active:
            product.is_active = False
            product.save(update_fields=["is_active", "updated_at"])
            report.append(f"deactivated product {sku} (not in the file)")
    wanted_categories = {item["slug"] for item in spec.categories}
    for slug, category in categories.items():
        if slug not in wanted_categories and not category.products.exists():
            category.delete()
            report.append(f"deleted category {slug} (not in the file)")

    report.extend(_sync_serials(tenant, spec.serials, products))
    report.extend(_sync_staff(tenant, spec.staff))
    report.extend(portal_provision(tenant))
    for key, value in spec.sections.items():
        report.extend(CONFIG_SECTIONS[key].apply(tenant, value))
    if report:
        # The tenant row's updated_at versions the per-process catalog cache (selectors.catalog): any change
        # here, catalog included, moves it, so the next request reads the catalog again.
        Tenant.objects.filter(pk=tenant.pk).update(updated_at=timezone.now())
    return report


def _sync_serials(tenant: Tenant, serials: list[dict], products: dict[str, Product]) -> list[str]:
    if not serials:
        return []
    known_serials_lock(tenant)
    existing = {
        s.serial_number: s
        for s in KnownSerial.objects.filter(tenant=tenant, serial_number__in=[s["serial_number"] for s in serials])
    }
    to_create, to_update = [], []
    for item in serials:
        product = products[item["sku"]]
        known = existing.get(item["serial_number"])
        if known is None:
            to_create.append(
                KnownSerial(
                    tenant=tenant,
                    serial_number=item["serial_number"],
                    product=product,
                    manufactured_on=item["manufactured_on"],
                )
            )
        elif known.product_id != product.id or known.manufactured_on != item["manufactured_on"]:
            known.product = product
            known.manufactured_on = item["manufactured_on"]
            to_update.append(known)
    KnownSerial.objects.bulk_create(to_create, batch_size=1000)
    KnownSerial.objects.bulk_update(to_update, ["product", "manufactured_on"], batch_size=1000)
    report = []
    if to_create:
        report.append(f"created {len(to_create)} known serials")
    if to_update:
        report.append(f"updated {len(to_update)} known serials")
    return report


def _sync_staff(tenant: Tenant, staff: list[dict]) -> list[str]:

    report = []
    for item in staff:
        user, created = staff_user_get_or_create(email=item["email"])
        if created:
            report.append(f"created staff account {item['email']} (set its password with create_staff)")
        membership = Membership.objects.filter(user=user, tenant=tenant).first()
        if membership is None:
            # The file is the brand's: an account that already exists (at another brand) is invited, not taken.
            membership = staff_membership_add(
                tenant=tenant, user=user, role=item["role"], created=created, email_new_account=False
            )
            invited = " (invited: the account accepts from the email it was sent)" if membership.is_pending else ""
            report.append(f"added {item['email']} as {item['role']}{invited}")
            continue
        elif membership.role != item["role"]:
            report.append(f"changed {item['email']} role: {membership.role!r} -> {item['role']!r}")
            membership.role = item["role"]
            membership.save(update_fields=["role", "updated_at"])
        else:
            continue
        staff_groups_sync(user)
    return report


@transaction.atomic
def staff_create(*, tenant: Tenant, email: str, role: str, password: str) -> tuple[User, list[str]]:
    """Create or update a staff account with a role in `tenant`; the password goes through Django's validators."""
    if not email_acceptable(normalize_email(email)):
        raise ValidationError("Enter a valid email address.", code="invalid")
    user, created = staff_user_get_or_create(email=email)
    validate_password(password, user)
    user.set_password(password)
    user.is_active = True
    user.save()
    report = [f"created staff account {user.email}" if created else f"set password of {user.email}"]
    # The operator's command: it sets the password itself, so it needs no invitation and accepts a pending one.
    membership, made = Membership.objects.get_or_create(
        user=user, tenant=tenant, defaults={"role": role, "accepted_at": timezone.now()}
    )
    if made:
        report.append(f"added {user.email} as {role} of {tenant.slug}")
    if membership.accepted_at is None:
        membership.accepted_at = timezone.now()
        membership.save(update_fields=["accepted_at", "updated_at"])
        report.append(f"accepted the invitation of {user.email} to {tenant.slug}")
    elif membership.role != role:
        report.append(f"changed {user.email} role in {tenant.slug}: {membership.role} -> {role}")
        membership.role = role
        membership.save(update_fields=["role", "updated_at"])
    staff_groups_sync(user)
    return user, report
