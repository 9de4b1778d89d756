"""The brand's settings as DRF serializers: one set of rules for the configuration file and the admin API.

The fields here are strict (JSON types only: `"12"` is not a number, `1` is not `true`) and their messages
complete a JSON path, so `load_tenant` prints `categories[1].standard_months: must be > 0` and the admin API
answers the same message under `fields["categories[1].standard_months"]`; `error_paths` makes both.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from warranty_api.core.exceptions import ValidationFailed
from warranty_api.tenancy.models import REGISTRATION_FIELDS, VerificationMode
from warranty_api.tenancy.patterns import MAX_PATTERN_LENGTH, pattern_problem

KNOWN_RESOLUTIONS = ("repair", "replacement", "refund")
HEX_COLOR_RE = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
NOT_A_KNOWN_FIELD = "is not a known field"


# --- strict fields whose messages complete a JSON path --------------------------------------------------


class ConfigText(serializers.CharField):
    """Non-empty text (trimmed), at most `max_length` characters."""

    default_error_messages = {
        "invalid": "must be a non-empty string",
        "blank": "must be a non-empty string",
        "null": "must be a non-empty string",
        "required": "is required",
        "max_length": "must be at most {max_length} characters",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class ConfigEmail(ConfigText):
    default_error_messages = {"not_email": "must be an email address"}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 254)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            validate_email(value)
        except DjangoValidationError:
            self.fail("not_email")
        return value


@extend_schema_field(OpenApiTypes.BOOL)
class ConfigBoolean(serializers.Field):
    default_error_messages = {
        "invalid": "must be true or false",
        "null": "must be true or false",
        "required": "is required",
    }

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return bool(value)


@extend_schema_field(OpenApiTypes.INT)
class ConfigInteger(serializers.Field):
    """A whole JSON number of at least `min_value` (a boolean or a string is not one)."""

    default_error_messages = {"required": "is required"}

    def __init__(self, *, min_value: int, **kwargs):
        self.min_value = min_value
        super().__init__(**kwargs)
        nullable = kwargs.get("allow_null", False)
        self.error_messages["invalid"] = "must be a whole number" + (" or null" if nullable else "")
        self.error_messages["null"] = self.error_messages["invalid"]
        self.error_messages["min_value"] = f"must be > {min_value - 1}" if min_value == 1 else f"must be >= {min_value}"

    def to_internal_value(self, data):
        if not isinstance(data, int) or isinstance(data, bool):
            self.fail("invalid")
        if data < self.min_value:
            self.fail("min_value")
        if data > 2_147_483_647:
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


class ConfigChoice(serializers.ChoiceField):
    default_error_messages = {"required": "is required"}

    def __init__(self, choices, **kwargs):
        super().__init__(choices, **kwargs)
        message = "must be one of " + ", ".join(str(c) for c in self.choices)
        self.error_messages["invalid_choice"] = message
        self.error_messages["null"] = message

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class ConfigList(serializers.ListField):
    """A JSON list; `null` reads as an empty one, as a missing list does in the file."""

    default_error_messages = {"not_a_list": "must be a list", "required": "is required", "null": "must be a list"}

    def __init__(self, *, null_is_empty: bool = True, **kwargs):
        self.null_is_empty = null_is_empty
        super().__init__(**kwargs)

    def validate_empty_values(self, data):
        if data is None and self.null_is_empty:
            return True, []
        return super().validate_empty_values(data)

    def to_internal_value(self, data):
        if not isinstance(data, list):
            self.fail("not_a_list", input_type=type(data).__name__)
        return super().to_internal_value(data)


class ConfigPattern(ConfigText):
    """A regular expression a serial must match whole, refused when it could stall a registration."""

    default_error_messages = {"unsafe_pattern": "{problem}"}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", MAX_PATTERN_LENGTH)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        problem = pattern_problem(value)
        if problem:
            code = "invalid_pattern" if problem.startswith("is not a valid") else "unsafe_pattern"
            raise serializers.ValidationError(problem, code=code)
        return value


@extend_schema_field({"type": "string", "pattern": HEX_COLOR_RE.pattern, "example": "#0b5d3b"})
class ConfigColor(serializers.Field):
    default_error_messages = {
        "invalid": "must be a colour like #0b5d3b",
        "null": "must be a colour like #0b5d3b",
        "required": "is required",
    }

    def to_internal_value(self, data):
        if not (isinstance(data, str) and HEX_COLOR_RE.match(data)):
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


# --- strict objects and lists ---------------------------------------------------------------------------


class ConfigObject(serializers.Serializer):
    """An object whose unknown keys are refused (each named), as is anything that is not an object."""

    default_error_messages = {"invalid": "must be an object", "null": "must be an object", "required": "is required"}

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
            self.fail("invalid")
        unknown = {
            str(key): [ErrorDetail(NOT_A_KNOWN_FIELD, code="not_allowed")]
            for key in sorted(set(map(str, data)) - set(self.fields))
        }
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
            raise serializers.ValidationError({**unknown, **detail}) from None
        if unknown:
            raise serializers.ValidationError(unknown)
        return value

    def fail(self, key, **kwargs):
        # A nested object's own error belongs to its path, not to a `non_field_errors` under it.
        raise serializers.ValidationError(self.error_messages[key], code=key)


class UniqueListSerializer(serializers.ListSerializer):
    """A list of objects where `child.unique_key` may not repeat (`repeats 'x'` on the repeating entry)."""

    default_error_messages = {"not_a_list": "must be a list", "null": "must be a list"}

    def validate_empty_values(self, data):
        if data is None:
            return True, []
        return super().validate_empty_values(data)

    def to_internal_value(self, data):
        if not isinstance(data, list):
            raise serializers.ValidationError(self.error_messages["not_a_list"], code="not_a_list")
        try:
            value, errors = super().to_internal_value(data), [{} for _ in data]
        except serializers.ValidationError as exc:
            detail = exc.detail  # DRF answers {index: errors} of the failing items, older versions a full list
            errors = [detail.get(i, {}) for i in range(len(data))] if isinstance(detail, dict) else list(detail)
            value = None
        keys = []
        if getattr(self.child, "unique_key", None):
            keys.append((self.child.unique_key, getattr(self.child, "unique_normalize", lambda v: v)))
        # Other fields that may not repeat either (a product's GTIN), each with its own normal form.
        keys.extend(getattr(self.child, "also_unique", {}).items())
        for key, normalize in keys:
            seen: set = set()
            for i, item in enumerate(data):
                raw = item.get(key) if isinstance(item, Mapping) else None
                if not isinstance(raw, str) or not raw.strip():
                    continue
                norm = normalize(raw.strip())
                if norm is None:
                    continue
                if norm in seen and isinstance(errors[i], dict) and key not in errors[i]:
                    errors[i] = dict(errors[i])
                    errors[i][key] = [ErrorDetail(f"repeats '{raw.strip()}'", code="duplicate")]
                seen.add(norm)
        if any(errors):
            raise serializers.ValidationError(errors)
        return value


def error_paths(detail: Any, prefix: str = "", *, root: str = "non_field_errors") -> dict[str, list[dict]]:
    """DRF's nested errors as `{"a.b[0].c": [{"code", "message"}]}`: the paths of the file and of the API."""
    out: dict[str, list[dict]] = {}
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            if key == "non_field_errors":
                name = prefix
            elif isinstance(key, int):  # ListField reports its items' errors as {index: ...}
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            for path, items in error_paths(value, name, root=root).items():
                out.setdefault(path, []).extend(items)
    elif isinstance(detail, list):
        if all(not isinstance(item, Mapping | list) for item in detail):
            for item in detail:
                out.setdefault(prefix or root, []).append(
                    {"code": getattr(item, "code", None) or "invalid", "message": str(item)}
                )
        else:
            for index, item in enumerate(detail):
                for path, items in error_paths(item, f"{prefix}[{index}]", root=root).items():
                    out.setdefault(path, []).extend(items)
    else:
        out.setdefault(prefix or root, []).append(
            {"code": getattr(detail, "code", None) or "invalid", "message": str(detail)}
        )
    return out


# --- the brand's settings -------------------------------------------------------------------------------


class BrandingConfig(ConfigObject):
    primary_color = ConfigColor(required=False)
    accent_color = ConfigColor(required=False)
    # null removes the key (a PATCH merges the branding key by key).
    tagline = ConfigText(required=False, allow_null=True, max_length=300)
    logo_url = ConfigText(required=False, allow_null=True, max_length=300)


class RegistrationConfig(ConfigObject):
    required_fields = ConfigList(child=ConfigChoice(REGISTRATION_FIELDS), required=False)
    extension_window_days = ConfigInteger(min_value=0, allow_null=True, required=False)
    require_known_serial = ConfigBoolean(required=False)
    verification = ConfigChoice(VerificationMode.choices, required=False)


class IssueTypeConfig(ConfigObject):
    unique_key = "code"

    code = serializers.RegexField(
        CODE_RE,
        error_messages={
            "invalid": "must be snake_case, like malfunction",
            "null": "must be snake_case, like malfunction",
            "blank": "must be snake_case, like malfunction",
            "required": "is required",
        },
    )
    label = ConfigText()

    class Meta:
        list_serializer_class = UniqueListSerializer


class ClaimsConfig(ConfigObject):
    issue_types = IssueTypeConfig(many=True, required=False)
    resolutions = ConfigList(child=ConfigChoice(KNOWN_RESOLUTIONS), required=False)
    replacement_terms = ConfigChoice(("new_term", "remainder"), required=False)


class TenantSettingsInput(ConfigObject):
    """The brand-wide settings: what `PATCH .../admin/settings` takes, and the top of the configuration file."""

    name = ConfigText()
    support_email = ConfigEmail()
    branding = BrandingConfig(required=False)
    registration = RegistrationConfig(required=False)
    serial_formats = ConfigList(child=ConfigPattern(), required=False)
    claims = ClaimsConfig(required=False)


class ServiceLevelsConfig(ConfigObject):
    first_response_hours = ConfigInteger(min_value=1, required=False)
    resolution_days = ConfigInteger(min_value=1, required=False)


class AnalyticsConfig(ConfigObject):
    failure_rate_alert_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False,
        help_text="A group is flagged when the lower bound of its claim rate's 95% interval is above this",
    )


class LanguagesConfig(ConfigObject):
    offered = ConfigList(child=ConfigChoice([code for code, _ in django_settings.LANGUAGES]), required=False,
                         help_text="The portal's languages in the brand's order; empty offers every shipped one")
    default = serializers.CharField(required=False, allow_blank=True, max_length=8,
                                    help_text="The language of a visitor whose own is not offered; '' for the first")

    def validate_default(self, value):
        codes = [code for code, _ in django_settings.LANGUAGES]
        if value and value not in codes:
            raise serializers.ValidationError("must be one of " + ", ".join(codes), code="invalid_choice")
        return value


class ConsentConfig(ConfigObject):
    marketing_text = serializers.CharField(
        required=False, allow_blank=True, max_length=1000,
        help_text="The brand's wording of its marketing opt-in at registration and sign-up; '' for the product's",
    )


class AdminSettingsInput(TenantSettingsInput):
    """What `PATCH .../admin/settings` takes: the file's settings and those only the admin API sets."""

    service_levels = ServiceLevelsConfig(required=False)
    analytics = AnalyticsConfig(required=False)
    languages = LanguagesConfig(required=False)
    consent = ConsentConfig(required=False)


def tenant_settings_values(data: dict, current: dict | None = None) -> dict:
    """Validated settings as the Tenant's field values; with `current` (a PATCH), sections merge key by key."""
    current = current or {}
    out: dict = {}
    for name in ("name", "support_email"):
        if name in data:
            out[name] = data[name]
    if "branding" in data:
        merged = {**current.get("branding", {}), **data["branding"]}
        out["branding"] = {k: v for k, v in merged.items() if v is not None}
    registration = data.get("registration")
    if registration is not None:
        for key in ("required_fields", "extension_window_days", "require_known_serial", "verification"):
            if key in registration:
                value = registration[key]
                out[key] = list(dict.fromkeys(value)) if key == "required_fields" else value
    if "serial_formats" in data:
        out["serial_formats"] = list(data["serial_formats"])
    claims = data.get("claims")
    if claims is not None:
        if "issue_types" in claims:
            out["issue_types"] = [{"code": i["code"], "label": i["label"]} for i in claims["issue_types"]]
        if "resolutions" in claims:
            out["resolutions"] = list(dict.fromkeys(claims["resolutions"]))
        if "replacement_terms" in claims:
            out["replacement_terms"] = claims["replacement_terms"]
    levels = data.get("service_levels") or {}
    if "first_response_hours" in levels:
        out["sla_first_response_hours"] = levels["first_response_hours"]
    if "resolution_days" in levels:
        out["sla_resolution_days"] = levels["resolution_days"]
    if "failure_rate_alert_percent" in (data.get("analytics") or {}):
        out["failure_rate_alert_percent"] = data["analytics"]["failure_rate_alert_percent"]
    languages = data.get("languages") or {}
    if "offered" in languages:
        out["languages"] = list(dict.fromkeys(languages["offered"]))
    if "default" in languages:
        out["default_language"] = languages["default"]
    if "marketing_text" in (data.get("consent") or {}):
        out["marketing_consent_text"] = data["consent"]["marketing_text"].strip()
    return out


def tenant_settings_data(tenant) -> dict:
    """The brand's settings in the shape `TenantSettingsInput` reads (and the configuration file has)."""
    return {
        "name": tenant.name,
        "support_email": tenant.support_email,
        "branding": dict(tenant.branding or {}),
        "registration": {
            "required_fields": list(tenant.required_fields or []),
            "extension_window_days": tenant.extension_window_days,
            "require_known_serial": tenant.require_known_serial,
            "verification": tenant.verification,
        },
        "serial_formats": list(tenant.serial_formats or []),
        "claims": {
            "issue_types": [dict(i) for i in tenant.issue_types or []],
            "resolutions": list(tenant.resolutions or []),
            "replacement_terms": tenant.replacement_terms,
        },
    }


def admin_settings_data(tenant) -> dict:
    """The settings the admin API shows and audits: the file's, and those only the admin API sets."""
    return {
        **tenant_settings_data(tenant),
        "service_levels": {
            "first_response_hours": tenant.sla_first_response_hours,
            "resolution_days": tenant.sla_resolution_days,
        },
        "analytics": {"failure_rate_alert_percent": float(tenant.failure_rate_alert_percent)},
        "languages": {"offered": list(tenant.languages or []), "default": tenant.default_language or ""},
        "consent": {"marketing_text": tenant.marketing_consent_text or ""},
    }


def config_validated(serializer_class, data, *, context: dict | None = None, partial: bool = False) -> dict:
    """Validate an admin API body with the file's rules; errors answer 400 with the file's JSON paths."""
    serializer = serializer_class(data=data, context=context or {}, partial=partial)
    try:
        return serializer.run_validation(data)
    except serializers.ValidationError as exc:
        raise ValidationFailed(fields=error_paths(exc.detail)) from None


# --- what the admin API answers -------------------------------------------------------------------------


class AdminBrandingOutput(serializers.Serializer):
    primary_color = serializers.CharField(required=False)
    accent_color = serializers.CharField(required=False)
    tagline = serializers.CharField(required=False)
    logo_url = serializers.CharField(required=False)


class AdminRegistrationOutput(serializers.Serializer):
    required_fields = serializers.ListField(child=serializers.ChoiceField(REGISTRATION_FIELDS))
    extension_window_days = serializers.IntegerField(allow_null=True)
    require_known_serial = serializers.BooleanField()
    verification = serializers.ChoiceField(VerificationMode.choices)


class AdminIssueTypeOutput(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class AdminClaimsOutput(serializers.Serializer):
    issue_types = AdminIssueTypeOutput(many=True)
    resolutions = serializers.ListField(child=serializers.ChoiceField(KNOWN_RESOLUTIONS))
    replacement_terms = serializers.ChoiceField(("new_term", "remainder"))


class AnalyticsOutput(serializers.Serializer):
    failure_rate_alert_percent = serializers.FloatField(
        help_text="A group is flagged when the lower bound of its claim rate's 95% interval is above this")


class AdminSettingsOutput(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    support_email = serializers.EmailField()
    branding = AdminBrandingOutput()
    registration = AdminRegistrationOutput()
    serial_formats = serializers.ListField(child=serializers.CharField())
    claims = AdminClaimsOutput()
    service_levels = ServiceLevelsConfig()
    analytics = AnalyticsOutput()
    languages = LanguagesConfig()
    consent = ConsentConfig()


class AdminConfigChangeOutput(serializers.Serializer):
    id = serializers.CharField()
    actor = serializers.CharField(source="actor_email", help_text="The admin's email at the time")
    target = serializers.CharField()
    target_key = serializers.CharField()
    action = serializers.CharField()
    before = serializers.JSONField(allow_null=True)
    after = serializers.JSONField(allow_null=True)
    created_at = serializers.DateTimeField()
