"""Validation of a tenant configuration file (TENANT_CONFIG.md): every problem, with its JSON path.

The rules are the serializers the admin API uses too (`warranty_api.tenancy.serializers`,
`warranty_api.catalog.serializers`); this module puts them together as the file and reads its answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from rest_framework import serializers

from warranty_api.accounts.selectors import email_acceptable
from warranty_api.catalog.models import Category, KnownSerial, Product
from warranty_api.catalog.serializers import CategoryConfig, KnownSerialConfig, ProductConfig
from warranty_api.core.emails import normalize_email
from warranty_api.tenancy.models import RESERVED_SLUGS, TENANT_SLUG_RE, Membership, StaffRole
from warranty_api.tenancy.serializers import (
    KNOWN_RESOLUTIONS,
    ConfigChoice,
    ConfigObject,
    ConfigText,
    TenantSettingsInput,
    error_paths,
    tenant_settings_data,
    tenant_settings_values,
)


@dataclass(frozen=True)
class ConfigSection:
    """A top-level section of the file that a package above onboarding owns (support_docs' `support`): it
    registers itself when its app is ready, so onboarding never imports it. `validate(checker, value, skus)`
    reports every problem on the checker by its JSON path and answers the value `apply(tenant, value)`
    writes, in the same transaction as the rest of the file, answering its report lines."""

    key: str
    validate: Callable[[Any, Any, set[str]], Any]
    apply: Callable[[Any, Any], list[str]]


CONFIG_SECTIONS: dict[str, ConfigSection] = {}


def config_section_register(section: ConfigSection) -> None:
    CONFIG_SECTIONS[section.key] = section


@dataclass
class SectionChecker:
    """What a registered section's `validate` reports its problems on, by JSON path, in the file's wording."""

    errors: list[str] = field(default_factory=list)

    def add(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    def obj(self, value: Any, path: str, allowed: set[str], required: set[str] = frozenset()) -> dict:
        if not isinstance(value, dict):
            self.add(path or "(file)", "must be an object")
            return {}
        for key in sorted(set(value) - allowed):
            self.add(f"{path}.{key}", "is not a known field")
        for key in sorted(required - set(value)):
            self.add(f"{path}.{key}", "is required")
        return value

    def text(self, value: Any, path: str, *, required: bool = True, max_length: int = 200) -> str:
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.add(path, "must be a non-empty string")
            return ""
        if len(value) > max_length:
            self.add(path, f"must be at most {max_length} characters")
        return value.strip()

    def boolean(self, value: Any, path: str) -> bool:
        if not isinstance(value, bool):
            self.add(path, "must be true or false")
            return False
        return value

    def array(self, value: Any, path: str) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(path, "must be a list")
            return []
        return value

    def choice(self, value: Any, path: str, choices: tuple[str, ...] | list[str]) -> str:
        if value not in choices:
            self.add(path, "must be one of " + ", ".join(choices))
            return ""
        return value


@dataclass
class TenantSpec:
    """A validated configuration file, ready to apply."""

    slug: str
    name: str
    support_email: str
    branding: dict
    required_fields: list[str]
    extension_window_days: int | None
    require_known_serial: bool
    verification: str
    serial_formats: list[str]
    categories: list[dict]
    products: list[dict]
    serials: list[dict]
    issue_types: list[dict]
    resolutions: list[str]
    replacement_terms: str
    staff: list[dict]
    # Sections owned by packages above this one (CONFIG_SECTIONS), by key: their validated values.
    sections: dict[str, Any] = field(default_factory=dict)


class ConfigStaffEmail(ConfigText):
    """An email address of a staff account, in the one stored form."""

    default_error_messages = {"not_email": "must be an email address"}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 254)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = normalize_email(super().to_internal_value(data))
        if not email_acceptable(value):
            self.fail("not_email")
        return value


class StaffConfig(ConfigObject):
    email = ConfigStaffEmail()
    role = ConfigChoice([r.value for r in StaffRole])


class TenantFileInput(TenantSettingsInput):
    """The whole configuration file: the brand's settings, its catalog, its known serials and its staff."""

    slug = ConfigText(max_length=63)
    categories = CategoryConfig(many=True, required=False)
    products = ProductConfig(many=True, required=False)
    serials = KnownSerialConfig(many=True, required=False)
    staff = StaffConfig(many=True, required=False)

    def validate_slug(self, value):
        if not re.match(TENANT_SLUG_RE, value):
            raise serializers.ValidationError(
                "must be 2 to 63 lowercase letters, digits and hyphens, not starting or ending with a hyphen",
                code="invalid",
            )
        if value in RESERVED_SLUGS:
            raise serializers.ValidationError("is reserved; choose another", code="reserved")
        return value

    def to_internal_value(self, data):
        # Cross references inside the file (a product's category, a serial's SKU, a category's resolutions)
        # are checked against what the file itself declares, read before its parts are validated.
        if isinstance(data, dict):
            self.context.update(_declared(data))
        return super().to_internal_value(data)


def _declared(data: dict) -> dict:
    def keys(section: str, key: str) -> set:
        items = data.get(section)
        return {i.get(key) for i in items if isinstance(i, dict)} if isinstance(items, list) else set()

    claims = data.get("claims") if isinstance(data.get("claims"), dict) else {}
    resolutions = claims.get("resolutions", list(KNOWN_RESOLUTIONS))
    return {
        "category_slugs": {s for s in keys("categories", "slug") if isinstance(s, str)},
        "skus": {s.strip() for s in keys("products", "sku") if isinstance(s, str)},
        "resolutions": [r for r in resolutions if r in KNOWN_RESOLUTIONS] if isinstance(resolutions, list) else [],
    }


def validate_tenant_config(data: Any) -> tuple[TenantSpec | None, list[str]]:
    """Check a whole file; answer the spec, or None and every problem as `json.path: message`."""
    raw_sections = {}
    if isinstance(data, dict):
        data = dict(data)
        raw_sections = {key: data.pop(key) for key in CONFIG_SECTIONS if key in data}
    errors: list[str] = []
    value: dict = {}
    serializer = TenantFileInput(data=data, context={})
    try:
        value = serializer.run_validation(data)
    except serializers.ValidationError as exc:
        errors = [
            f"{path}: {item['message']}"
            for path, items in error_paths(exc.detail, root="(file)").items()
            for item in items
        ]
    checker = SectionChecker()
    skus = _declared(data)["skus"] if isinstance(data, dict) else set()
    sections = {
        key: CONFIG_SECTIONS[key].validate(checker, raw, skus) for key, raw in raw_sections.items() if raw is not None
    }
    errors += checker.errors
    if errors:
        return None, errors
    settings = tenant_settings_values(value)
    registration = value.get("registration", {})
    claims = value.get("claims", {})
    return (
        TenantSpec(
            slug=value["slug"],
            name=value["name"],
            support_email=value["support_email"],
            branding=settings.get("branding", {}),
            required_fields=settings.get("required_fields", []),
            extension_window_days=registration.get("extension_window_days"),
            require_known_serial=registration.get("require_known_serial", False),
            verification=registration.get("verification", "off"),
            serial_formats=settings.get("serial_formats", []),
            categories=[
                {
                    "slug": c["slug"],
                    "name": c["name"],
                    "standard_months": c["standard_months"],
                    "extended_months": c.get("extended_months"),
                    "coverage": c["coverage"],
                    "transferable": c.get("transferable", False),
                    "resolutions": c.get("resolutions"),
                }
                for c in value.get("categories", [])
            ],
            products=[
                {"sku": p["sku"], "name": p["name"], "category": p["category"],
                 "serial_pattern": p.get("serial_pattern") or "", "gtin": p.get("gtin") or ""}
                for p in value.get("products", [])
            ],
            serials=[
                {"serial_number": s["serial_number"], "sku": s["sku"], "manufactured_on": s.get("manufactured_on")}
                for s in value.get("serials", [])
            ],
            issue_types=settings.get("issue_types", []),
            resolutions=settings.get("resolutions", list(KNOWN_RESOLUTIONS)) if "resolutions" in claims
            else list(KNOWN_RESOLUTIONS),
            replacement_terms=claims.get("replacement_terms", "new_term"),
            staff=[{"email": s["email"], "role": s["role"]} for s in value.get("staff", [])],
            sections=sections,
        ),
        [],
    )


def tenant_config_export(tenant) -> tuple[dict, Iterator[dict]]:
    """The brand's current configuration in the file's format, and its known serials (streamed: there may be
    millions). `load_tenant` of what this answers changes nothing.

    Left out: secrets (Shopify, webhooks, the inventory connection are not in the file), passwords (staff get
    theirs from `create_staff`), deactivated staff, retired products and the known serials of those (a file
    makes every product it names active), and what only the admin sets (a product's description and image).
    """
    categories = []
    for c in Category.objects.filter(tenant=tenant).order_by("slug"):
        item = {"slug": c.slug, "name": c.name, "standard_months": c.standard_months,
                "extended_months": c.extended_months, "coverage": c.coverage, "transferable": c.transferable}
        if c.resolutions is not None:
            item["resolutions"] = list(c.resolutions)
        categories.append(item)
    products = []
    for p in Product.objects.filter(tenant=tenant, is_active=True).select_related("category").order_by("sku"):
        item = {"sku": p.sku, "name": p.name, "category": p.category.slug}
        if p.serial_pattern:
            item["serial_pattern"] = p.serial_pattern
        if p.gtin:
            item["gtin"] = p.gtin
        products.append(item)
    staff = [
        {"email": m.user.email, "role": m.role}
        for m in Membership.objects.filter(tenant=tenant, is_active=True).select_related("user").order_by("user__email")
    ]
    settings = tenant_settings_data(tenant)
    document = {
        "slug": tenant.slug,
        "name": settings["name"],
        "support_email": settings["support_email"],
        "branding": settings["branding"],
        "registration": settings["registration"],
        "serial_formats": settings["serial_formats"],
        "categories": categories,
        "products": products,
        "claims": settings["claims"],
        "staff": staff,
    }

    def serials() -> Iterator[dict]:
        rows = (
            KnownSerial.objects.filter(tenant=tenant, product__is_active=True)
            .order_by("serial_number")
            .values_list("serial_number", "product__sku", "manufactured_on")
        )
        for number, sku, made in rows.iterator(chunk_size=5000):
            item = {"serial_number": number, "sku": sku}
            if made is not None:
                item["manufactured_on"] = made.isoformat()
            yield item

    return document, serials()
