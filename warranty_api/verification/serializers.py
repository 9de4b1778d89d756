"""Shapes of the Shopify connection and purchase verification endpoints. The token is write-only."""

from rest_framework import serializers

from warranty_api.tenancy.models import VerificationMode


def _iso(value):
    return value.isoformat().replace("+00:00", "Z") if value else None


class ShopifyConnectionInput(serializers.Serializer):
    shop_domain = serializers.CharField(
        max_length=255, required=False, help_text="brand.myshopify.com; may be omitted to keep the linked store."
    )
    verification = serializers.ChoiceField(
        choices=VerificationMode.choices,
        required=False,
        help_text="Whether registrations are checked against the store's orders: `off`, `advisory` (checked, the "
        "warranty is active at once) or `required` (the warranty waits for a verified purchase or staff). Omit to "
        "keep the brand's current mode.",
    )
    access_token = serializers.CharField(
        max_length=500, required=False, write_only=True, help_text="Omit to keep the stored token."
    )
    api_version = serializers.CharField(max_length=16, required=False, help_text="YYYY-MM; a default when omitted.")
    api_base_url = serializers.CharField(
        max_length=255, required=False, allow_blank=True, help_text="Test installations only."
    )


class ShopifyLastTestOutput(serializers.Serializer):
    ok = serializers.BooleanField(allow_null=True)
    at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField(allow_null=True)
    shop_name = serializers.CharField(allow_null=True)


class ShopifyConnectionOutput(serializers.Serializer):
    connected = serializers.BooleanField()
    verification = serializers.ChoiceField(choices=VerificationMode.choices)
    shop_domain = serializers.CharField(allow_null=True)
    api_version = serializers.CharField(allow_null=True)
    api_base_url = serializers.CharField(allow_null=True)
    has_access_token = serializers.BooleanField()
    access_token_last4 = serializers.CharField(allow_null=True)
    last_test = ShopifyLastTestOutput()
    updated_at = serializers.DateTimeField(allow_null=True)


def shopify_connection_data(connection, *, tenant) -> dict:
    if connection is None:
        return {
            "connected": False,
            "verification": tenant.verification,
            "shop_domain": None,
            "api_version": None,
            "api_base_url": None,
            "has_access_token": False,
            "access_token_last4": None,
            "last_test": {"ok": None, "at": None, "error": None, "shop_name": None},
            "updated_at": None,
        }
    return {
        "connected": True,
        "verification": tenant.verification,
        "shop_domain": connection.shop_domain,
        "api_version": connection.api_version,
        "api_base_url": connection.api_base_url or None,
        "has_access_token": connection.has_access_token,
        "access_token_last4": connection.access_token_last4 or None,
        "last_test": {
            "ok": connection.last_test_ok,
            "at": _iso(connection.last_test_at),
            "error": connection.last_test_error or None,
            "shop_name": connection.last_test_shop_name or None,
        },
        "updated_at": _iso(connection.updated_at),
    }


class ShopifyConnectionTestOutput(serializers.Serializer):
    ok = serializers.BooleanField()
    shop_name = serializers.CharField()
    tested_at = serializers.DateTimeField()


class VerificationOverrideInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["verified", "rejected"])
    note = serializers.CharField(max_length=2000)


class VerificationCheckOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=["queued", "running", "done", "failed"])
    attempts = serializers.IntegerField()
    max_attempts = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField(allow_null=True)


class WarrantyVerificationOutput(serializers.Serializer):
    warranty_id = serializers.CharField()
    status = serializers.CharField()
    verification = serializers.CharField()
    verification_detail = serializers.DictField()
    check = VerificationCheckOutput(allow_null=True)


def warranty_verification_data(warranty, row) -> dict:
    check = None
    if row is not None:
        check = {
            "status": row.status,
            "attempts": row.attempts,
            "max_attempts": row.max_attempts,
            "next_attempt_at": _iso(row.next_attempt_at) if row.status == "queued" else None,
            "last_error": row.last_error or None,
        }
    return {
        "warranty_id": warranty.pk,
        "status": warranty.effective_status(),
        "verification": warranty.verification,
        "verification_detail": warranty.verification_detail or {},
        "check": check,
    }
