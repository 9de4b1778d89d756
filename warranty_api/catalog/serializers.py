"""The catalog's serializers: public outputs, and the rules of categories, products and known serials that the
configuration file and the admin API share."""

from __future__ import annotations

import re

from rest_framework import serializers

from warranty_api.catalog.gtin import gtin_normalize
from warranty_api.catalog.models import Category, Product, normalize_serial
from warranty_api.core.params import iso_date
from warranty_api.tenancy.models import Coverage
from warranty_api.tenancy.serializers import (
    ConfigBoolean,
    ConfigChoice,
    ConfigInteger,
    ConfigList,
    ConfigObject,
    ConfigPattern,
    ConfigText,
    UniqueListSerializer,
)


class ProductOutput(serializers.ModelSerializer):
    category = serializers.CharField(source="category.slug")
    category_name = serializers.CharField(source="category.name")
    warranty = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = ["id", "sku", "name", "category", "category_name", "serial_pattern", "warranty"]

    def get_warranty(self, product: Product) -> dict:
        category = product.category
        return {
            "standard_months": category.standard_months,
            "extended_months": category.extended_months,
            "coverage": category.coverage,
            "transferable": category.transferable,
        }


# ----------------------------------------------------------------------------------------------------
# Categories, products and known serials as DRF serializers: the file's rules and the admin API's, in one place.

CATEGORY_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-_]{0,99}$")


class CategoryConfig(ConfigObject):
    """A category and its warranty terms (`categories[]` of the file, the body of `.../admin/categories`).

    Context: `resolutions`, the brand's resolutions a category's own list must come from, and `category`,
    the category a partial update changes (its current months complete the months rule).
    """

    unique_key = "slug"

    slug = serializers.RegexField(
        CATEGORY_SLUG_RE,
        error_messages={
            "invalid": "must be lowercase letters, digits and hyphens",
            "blank": "must be lowercase letters, digits and hyphens",
            "null": "must be lowercase letters, digits and hyphens",
            "required": "is required",
        },
    )
    name = ConfigText()
    standard_months = ConfigInteger(min_value=1)
    extended_months = ConfigInteger(min_value=1, allow_null=True, required=False)
    coverage = ConfigChoice(Coverage.choices)
    transferable = ConfigBoolean(required=False)
    # null: the coverage's default; a list: the category's own (from the brand's resolutions).
    resolutions = ConfigList(child=ConfigText(max_length=50), required=False, allow_null=True, null_is_empty=False)

    class Meta:
        list_serializer_class = UniqueListSerializer

    def validate_resolutions(self, value):
        if value is None:
            return None
        allowed = self.context.get("resolutions", ())
        where = self.context.get("resolutions_source", "claims.resolutions")
        errors = {j: [f"must be one of {where}"] for j, res in enumerate(value) if res not in allowed}
        if errors:
            raise serializers.ValidationError(errors, code="invalid_choice")
        return list(value)

    def validate(self, attrs):
        current = self.context.get("category")
        standard = attrs.get("standard_months", current.standard_months if current else None)
        extended = attrs.get("extended_months", current.extended_months if current else None)
        if standard and extended and extended < standard:
            field = "extended_months" if "extended_months" in attrs else "standard_months"
            message = "must be at least standard_months" if field == "extended_months" else "must be at most extended_months"
            raise serializers.ValidationError({field: [message]}, code="invalid")
        return attrs


class ProductConfig(ConfigObject):
    """A product (`products[]` of the file). Context: `category_slugs`, the categories it may name."""

    unique_key = "sku"
    also_unique = {"gtin": gtin_normalize}

    sku = ConfigText(max_length=100)
    name = ConfigText()
    category = ConfigText(max_length=100)
    serial_pattern = ConfigPattern(required=False, allow_null=True, allow_blank=True)
    gtin = serializers.JSONField(required=False, allow_null=True,
                                 help_text="GTIN-8, -12, -13 or -14 (check digit validated), stored as GTIN-14; '' for none")

    class Meta:
        list_serializer_class = UniqueListSerializer

    def validate_gtin(self, value):
        if value in (None, ""):
            return ""
        normal = gtin_normalize(value) if isinstance(value, str) else None
        if normal is None:
            raise serializers.ValidationError(
                "must be a GTIN-8, -12, -13 or -14 in digits with a valid check digit", code="invalid"
            )
        return normal

    def validate_category(self, value):
        if value not in self.context.get("category_slugs", ()):
            message = self.context.get("category_missing", "'{slug}' is not one of categories[].slug")
            raise serializers.ValidationError(message.format(slug=value), code="not_found")
        return value

    def validate_serial_pattern(self, value):
        return value or ""


class ProductInput(ProductConfig):
    """A product as the admin API writes it: the file's fields and what only the admin sets."""

    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    image = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                     help_text="A Wagtail image of the brand's collection, by id; null for none")
    is_active = ConfigBoolean(required=False)
    active = ConfigBoolean(required=False, help_text="The same as is_active (the name the brand's file and docs use)")

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if "active" in attrs:
            active = attrs.pop("active")
            if "is_active" in attrs and attrs["is_active"] != active:
                raise serializers.ValidationError({"active": ["disagrees with is_active; send one of them"]})
            attrs["is_active"] = active
        return attrs


class KnownSerialConfig(ConfigObject):
    """A known serial (`serials[]` of the file). Context: `skus`, the products it may name."""

    unique_key = "serial_number"
    unique_normalize = staticmethod(normalize_serial)

    serial_number = ConfigText(max_length=100)
    sku = serializers.JSONField(error_messages={"required": "is required", "null": "'None' is not one of products[].sku"})
    manufactured_on = serializers.JSONField(required=False, allow_null=True)

    class Meta:
        list_serializer_class = UniqueListSerializer

    def validate_serial_number(self, value):
        return normalize_serial(value)

    def validate_sku(self, value):
        if value not in self.context.get("skus", ()):
            raise serializers.ValidationError(f"'{value}' is not one of products[].sku", code="not_found")
        return value

    def validate_manufactured_on(self, value):
        if value is None:
            return None
        try:
            return iso_date(value)
        except ValueError:
            raise serializers.ValidationError("must be a date YYYY-MM-DD", code="invalid") from None


# --- what the admin API answers -------------------------------------------------------------------------


class AdminCategoryOutput(serializers.ModelSerializer):
    product_count = serializers.IntegerField(read_only=True, help_text="Products of the category, active or not")

    class Meta:
        model = Category
        fields = [
            "slug", "name", "standard_months", "extended_months", "coverage", "transferable", "resolutions",
            "product_count", "created_at", "updated_at",
        ]


class AdminProductOutput(serializers.ModelSerializer):
    category = serializers.CharField(source="category.slug")
    image = serializers.IntegerField(source="image_id", allow_null=True)
    image_url = serializers.SerializerMethodField()
    active = serializers.BooleanField(source="is_active", read_only=True, help_text="The same as is_active")

    class Meta:
        model = Product
        fields = [
            "id", "sku", "name", "category", "serial_pattern", "gtin", "description", "image", "image_url",
            "is_active", "active", "created_at", "updated_at",
        ]

    def get_image_url(self, product: Product) -> str | None:
        return product.image.file.url if product.image_id else None


class ConfigWarningOutput(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    products = serializers.ListField(child=serializers.CharField(), help_text="Ids of the other products concerned")


class AdminProductWriteOutput(AdminProductOutput):
    warnings = serializers.SerializerMethodField(
        help_text="What was accepted but deserves a look: `serial_pattern_overlap` when another active "
        "product's pattern matches the same serials (those serials answer `serial_ambiguous`)."
    )

    class Meta(AdminProductOutput.Meta):
        fields = [*AdminProductOutput.Meta.fields, "warnings"]

    def get_warnings(self, product: Product) -> list[dict]:
        return list(self.context.get("warnings", []))


class SerialRuleTestInput(serializers.Serializer):
    serial_number = serializers.CharField(max_length=100)


class SerialRuleTestOutput(serializers.Serializer):
    serial_number = serializers.CharField(help_text="As registration compares it: trimmed, upper case")
    accepted = serializers.BooleanField(help_text="Registration would take this serial")
    refusal = serializers.CharField(allow_null=True, help_text="The 422 code registration would answer, if any")
    message = serializers.CharField(allow_null=True)
    format_ok = serializers.BooleanField(help_text="It fits the brand's serial formats (or there are none)")
    known = serializers.BooleanField(help_text="It is in the brand's known serial list")
    product = serializers.DictField(allow_null=True)
    category = serializers.DictField(allow_null=True)
    term = serializers.DictField(allow_null=True, help_text="Months of the warranty it would get")
    matching_products = serializers.ListField(child=serializers.CharField(),
                                              help_text="SKUs whose pattern matches (more than one: ambiguous)")
