"""Validation of a tenant configuration file (TENANT_CONFIG.md): every problem, with its JSON path."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email

from warranty_api.accounts.selectors import email_acceptable
from warranty_api.catalog.models import normalize_serial
from warranty_api.core.emails import normalize_email
from warranty_api.core.params import iso_date
from warranty_api.tenancy.models import (
    REGISTRATION_FIELDS,
    RESERVED_SLUGS,
    TENANT_SLUG_RE,
    Coverage,
    StaffRole,
    VerificationMode,
)

KNOWN_RESOLUTIONS = ("repair", "replacement", "refund")
_HEX_COLOR_RE = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
_CATEGORY_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-_]{0,99}$")

_TOP_KEYS = {
    "slug", "name", "support_email", "branding", "registration", "serial_formats",
    "categories", "products", "serials", "claims", "staff",
}
_BRANDING_KEYS = {"primary_color", "accent_color", "tagline", "logo_url"}
_REGISTRATION_KEYS = {"required_fields", "extension_window_days", "require_known_serial", "verification"}
_CATEGORY_KEYS = {"slug", "name", "standard_months", "extended_months", "coverage", "transferable", "resolutions"}
_PRODUCT_KEYS = {"sku", "name", "category", "serial_pattern"}
_SERIAL_KEYS = {"serial_number", "sku", "manufactured_on"}
_CLAIMS_KEYS = {"issue_types", "resolutions", "replacement_terms"}
_STAFF_KEYS = {"email", "role"}


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


@dataclass
class _Checker:
    errors: list[str] = field(default_factory=list)

    def add(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    def obj(self, value: Any, path: str, allowed: set[str], required: set[str] = frozenset()) -> dict:
        if not isinstance(value, dict):
            self.add(path or "(file)", "must be an object")
            return {}
        for key in sorted(set(value) - allowed):
            self.add(_join(path, key), "is not a known field")
        for key in sorted(required - set(value)):
            self.add(_join(path, key), "is required")
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

    def integer(self, value: Any, path: str, *, minimum: int, nullable: bool = False) -> int | None:
        if value is None and nullable:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            self.add(path, "must be a whole number" + (" or null" if nullable else ""))
            return None
        if value < minimum:
            self.add(path, f"must be > {minimum - 1}" if minimum == 1 else f"must be >= {minimum}")
            return None
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

    def regex(self, value: Any, path: str) -> str:
        text = self.text(value, path, max_length=300)
        if text:
            try:
                re.compile(text)
            except re.error as exc:
                self.add(path, f"is not a valid regular expression ({exc})")
        return text


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def validate_tenant_config(data: Any) -> tuple[TenantSpec | None, list[str]]:
    """Check a whole file; answer the spec, or None and every problem as `json.path: message`."""
    c = _Checker()
    top = c.obj(data, "", _TOP_KEYS, {"slug", "name", "support_email"})

    slug = c.text(top.get("slug"), "slug", max_length=63) if "slug" in top else ""
    if slug and not re.match(TENANT_SLUG_RE, slug):
        c.add("slug", "must be 2 to 63 lowercase letters, digits and hyphens, not starting or ending with a hyphen")
    elif slug in RESERVED_SLUGS:
        c.add("slug", "is reserved; choose another")
    name = c.text(top.get("name"), "name") if "name" in top else ""
    support_email = ""
    if "support_email" in top:
        support_email = c.text(top.get("support_email"), "support_email", max_length=254)
        if support_email:
            try:
                validate_email(support_email)
            except DjangoValidationError:
                c.add("support_email", "must be an email address")

    branding = c.obj(top.get("branding", {}), "branding", _BRANDING_KEYS)
    for key in ("primary_color", "accent_color"):
        if key in branding and not (isinstance(branding[key], str) and _HEX_COLOR_RE.match(branding[key])):
            c.add(f"branding.{key}", "must be a colour like #0b5d3b")
    for key in ("tagline", "logo_url"):
        if key in branding:
            c.text(branding[key], f"branding.{key}", max_length=300)

    registration = c.obj(top.get("registration", {}), "registration", _REGISTRATION_KEYS)
    required_fields = c.array(registration.get("required_fields", []), "registration.required_fields")
    for i, item in enumerate(required_fields):
        c.choice(item, f"registration.required_fields[{i}]", REGISTRATION_FIELDS)
    extension_window_days = c.integer(
        registration.get("extension_window_days"), "registration.extension_window_days", minimum=0, nullable=True
    )
    require_known_serial = c.boolean(
        registration.get("require_known_serial", False), "registration.require_known_serial"
    )
    verification = c.choice(
        registration.get("verification", "off"), "registration.verification", [m.value for m in VerificationMode]
    )

    serial_formats = [
        c.regex(item, f"serial_formats[{i}]")
        for i, item in enumerate(c.array(top.get("serial_formats", []), "serial_formats"))
    ]

    claims = c.obj(top.get("claims", {}), "claims", _CLAIMS_KEYS)
    issue_types = []
    seen_codes: set[str] = set()
    for i, item in enumerate(c.array(claims.get("issue_types", []), "claims.issue_types")):
        path = f"claims.issue_types[{i}]"
        entry = c.obj(item, path, {"code", "label"}, {"code", "label"})
        code = entry.get("code")
        if "code" in entry and not (isinstance(code, str) and _CODE_RE.match(code)):
            c.add(f"{path}.code", "must be snake_case, like malfunction")
        elif code in seen_codes:
            c.add(f"{path}.code", f"repeats '{code}'")
        seen_codes.add(code)
        label = c.text(entry.get("label"), f"{path}.label") if "label" in entry else ""
        if entry:
            issue_types.append({"code": code, "label": label})
    resolutions = []
    for i, item in enumerate(c.array(claims.get("resolutions", list(KNOWN_RESOLUTIONS)), "claims.resolutions")):
        if c.choice(item, f"claims.resolutions[{i}]", KNOWN_RESOLUTIONS) and item not in resolutions:
            resolutions.append(item)
    replacement_terms = c.choice(
        claims.get("replacement_terms", "new_term"), "claims.replacement_terms", ("new_term", "remainder")
    )

    categories = []
    category_slugs: set[str] = set()
    for i, item in enumerate(c.array(top.get("categories", []), "categories")):
        path = f"categories[{i}]"
        entry = c.obj(item, path, _CATEGORY_KEYS, {"slug", "name", "standard_months", "coverage"})
        cslug = entry.get("slug")
        if "slug" in entry and not (isinstance(cslug, str) and _CATEGORY_SLUG_RE.match(cslug)):
            c.add(f"{path}.slug", "must be lowercase letters, digits and hyphens")
        elif cslug in category_slugs:
            c.add(f"{path}.slug", f"repeats '{cslug}'")
        category_slugs.add(cslug)
        standard = c.integer(entry.get("standard_months"), f"{path}.standard_months", minimum=1) if "standard_months" in entry else None
        extended = c.integer(entry.get("extended_months"), f"{path}.extended_months", minimum=1, nullable=True)
        if standard and extended and extended < standard:
            c.add(f"{path}.extended_months", "must be at least standard_months")
        coverage = c.choice(entry.get("coverage"), f"{path}.coverage", [v.value for v in Coverage]) if "coverage" in entry else ""
        category_resolutions = None
        if entry.get("resolutions") is not None:
            category_resolutions = []
            for j, res in enumerate(c.array(entry["resolutions"], f"{path}.resolutions")):
                if res not in resolutions:
                    c.add(f"{path}.resolutions[{j}]", "must be one of claims.resolutions")
                else:
                    category_resolutions.append(res)
        categories.append(
            {
                "slug": cslug,
                "name": c.text(entry.get("name"), f"{path}.name") if "name" in entry else "",
                "standard_months": standard,
                "extended_months": extended,
                "coverage": coverage,
                "transferable": c.boolean(entry.get("transferable", False), f"{path}.transferable"),
                "resolutions": category_resolutions,
            }
        )

    products = []
    skus: set[str] = set()
    for i, item in enumerate(c.array(top.get("products", []), "products")):
        path = f"products[{i}]"
        entry = c.obj(item, path, _PRODUCT_KEYS, {"sku", "name", "category"})
        sku = c.text(entry.get("sku"), f"{path}.sku", max_length=100) if "sku" in entry else ""
        if sku in skus:
            c.add(f"{path}.sku", f"repeats '{sku}'")
        skus.add(sku)
        category = entry.get("category")
        if "category" in entry and category not in category_slugs:
            c.add(f"{path}.category", f"'{category}' is not one of categories[].slug")
        pattern = c.regex(entry["serial_pattern"], f"{path}.serial_pattern") if entry.get("serial_pattern") else ""
        products.append(
            {
                "sku": sku,
                "name": c.text(entry.get("name"), f"{path}.name") if "name" in entry else "",
                "category": category,
                "serial_pattern": pattern,
            }
        )

    serials = []
    seen_serials: set[str] = set()
    for i, item in enumerate(c.array(top.get("serials", []), "serials")):
        path = f"serials[{i}]"
        entry = c.obj(item, path, _SERIAL_KEYS, {"serial_number", "sku"})
        number = c.text(entry.get("serial_number"), f"{path}.serial_number", max_length=100) if "serial_number" in entry else ""
        normalized = normalize_serial(number)
        if normalized and normalized in seen_serials:
            c.add(f"{path}.serial_number", f"repeats '{number}'")
        seen_serials.add(normalized)
        sku = entry.get("sku")
        if "sku" in entry and sku not in skus:
            c.add(f"{path}.sku", f"'{sku}' is not one of products[].sku")
        made = None
        if entry.get("manufactured_on") is not None:
            made = _parse_date(entry["manufactured_on"])
            if made is None:
                c.add(f"{path}.manufactured_on", "must be a date YYYY-MM-DD")
        serials.append({"serial_number": normalized, "sku": sku, "manufactured_on": made})

    staff = []
    for i, item in enumerate(c.array(top.get("staff", []), "staff")):
        path = f"staff[{i}]"
        entry = c.obj(item, path, _STAFF_KEYS, {"email", "role"})
        email = c.text(entry.get("email"), f"{path}.email", max_length=254) if "email" in entry else ""
        if email:
            email = normalize_email(email)
            if not email_acceptable(email):
                c.add(f"{path}.email", "must be an email address")
        role = c.choice(entry.get("role"), f"{path}.role", [r.value for r in StaffRole]) if "role" in entry else ""
        staff.append({"email": email, "role": role})

    if c.errors:
        return None, c.errors
    return (
        TenantSpec(
            slug=slug,
            name=name,
            support_email=support_email,
            branding=dict(branding),
            required_fields=list(dict.fromkeys(required_fields)),
            extension_window_days=extension_window_days,
            require_known_serial=require_known_serial,
            verification=verification,
            serial_formats=serial_formats,
            categories=categories,
            products=products,
            serials=serials,
            issue_types=issue_types,
            resolutions=resolutions,
            replacement_terms=replacement_terms,
            staff=staff,
        ),
        [],
    )


def _parse_date(value: Any) -> datetime.date | None:
    try:
        return iso_date(value)
    except ValueError:
        return None
