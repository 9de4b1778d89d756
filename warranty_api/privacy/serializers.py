"""Shapes of the customer data requests (export and erasure) of a brand's admins."""

from rest_framework import serializers


def _iso(value):
    return value.isoformat().replace("+00:00", "Z") if value else None


class CustomerDataRequestInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254, help_text="The customer's email address (any case).")


class CustomerExportOutput(serializers.Serializer):
    """Every section is a list of rows with every stored field; a reference is the other row's public id."""

    tenant = serializers.CharField()
    email = serializers.EmailField()
    exported_at = serializers.DateTimeField()
    account = serializers.DictField(allow_null=True, help_text="The customer account (no password or code hash).")
    sessions = serializers.ListField(child=serializers.DictField(), help_text="Refresh tokens issued: when, until, revoked.")
    customers = serializers.ListField(child=serializers.DictField(), help_text="The brand's contact records of the email.")
    warranties = serializers.ListField(child=serializers.DictField())
    warranty_events = serializers.ListField(child=serializers.DictField())
    warranty_transfers = serializers.ListField(child=serializers.DictField())
    purchase_verifications = serializers.ListField(child=serializers.DictField())
    claims = serializers.ListField(child=serializers.DictField())
    claim_events = serializers.ListField(child=serializers.DictField())
    claim_messages = serializers.ListField(child=serializers.DictField())
    fulfillments = serializers.ListField(child=serializers.DictField())
    media = serializers.ListField(
        child=serializers.DictField(), help_text="Receipts and photos: metadata, with `download` (the file, to staff)."
    )
    notifications = serializers.ListField(child=serializers.DictField(), help_text="Email queued or sent to them.")
    webhook_deliveries = serializers.ListField(child=serializers.DictField(), help_text="Events about them, with the body.")
    idempotency_records = serializers.ListField(child=serializers.DictField())
    background_tasks = serializers.ListField(child=serializers.DictField())


class CustomerErasureOutput(serializers.Serializer):
    id = serializers.CharField(help_text="era_...: the audit record of the erasure.")
    erased_at = serializers.DateTimeField()
    erased_by = serializers.CharField(allow_null=True, help_text="The admin's user id; null from the command line.")
    via = serializers.ChoiceField(choices=["api", "command"])
    customers = serializers.ListField(child=serializers.CharField(), help_text="The customer records, now tombstones.")
    account = serializers.CharField(allow_null=True, help_text="The account, now an inactive tombstone.")
    warranties = serializers.ListField(child=serializers.CharField(), help_text="Kept, without the person.")
    claims = serializers.ListField(child=serializers.CharField(), help_text="Kept with their outcome, without the person.")
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="Rows changed or deleted, per table.")


def customer_erasure_data(erasure) -> dict:
    summary = erasure.summary or {}
    return {
        "id": erasure.id,
        "erased_at": _iso(erasure.created_at),
        "erased_by": erasure.erased_by.public_id if erasure.erased_by_id else None,
        "via": erasure.via,
        "customers": summary.get("customers", []),
        "account": summary.get("account"),
        "warranties": summary.get("warranties", []),
        "claims": summary.get("claims", []),
        "counts": summary.get("counts", {}),
    }
