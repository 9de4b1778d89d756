"""Shapes of the notification template and staff outbox endpoints."""

from rest_framework import serializers

from warranty_api.notifications.services import ACCOUNT_KINDS, TEMPLATE_MAX_LENGTHS


def _iso(value):
    return value.isoformat().replace("+00:00", "Z") if value else None


class NotificationTemplateOutput(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    placeholders = serializers.ListField(child=serializers.CharField(), help_text="Usable as {{ name }}.")
    customized = serializers.BooleanField(help_text="False: the product's default wording is in use.")
    subject = serializers.CharField()
    text_body = serializers.CharField()
    html_body = serializers.CharField(help_text="Empty: the HTML part is made from the text body.")
    html_body_editable = serializers.BooleanField(
        help_text="False for the emails that open an account: their HTML part is always made from the text body."
    )
    updated_at = serializers.DateTimeField(allow_null=True)


def notification_template_data(view) -> dict:
    return {
        "kind": view.kind,
        "label": view.label,
        "placeholders": list(view.placeholders),
        "customized": view.customized,
        "subject": view.subject,
        "text_body": view.text_body,
        "html_body": view.html_body,
        "html_body_editable": view.kind not in ACCOUNT_KINDS,
        "updated_at": _iso(view.updated_at),
    }


# Lengths, placeholders and template syntax are checked by the service, so every error names its field.
class NotificationTemplateInput(serializers.Serializer):
    subject = serializers.CharField(max_length=TEMPLATE_MAX_LENGTHS["subject"])
    text_body = serializers.CharField(max_length=TEMPLATE_MAX_LENGTHS["text_body"], trim_whitespace=False)
    html_body = serializers.CharField(
        max_length=TEMPLATE_MAX_LENGTHS["html_body"], required=False, allow_blank=True, trim_whitespace=False
    )


class NotificationPreviewInput(serializers.Serializer):
    subject = serializers.CharField(max_length=TEMPLATE_MAX_LENGTHS["subject"], required=False)
    text_body = serializers.CharField(
        max_length=TEMPLATE_MAX_LENGTHS["text_body"], required=False, trim_whitespace=False
    )
    html_body = serializers.CharField(
        max_length=TEMPLATE_MAX_LENGTHS["html_body"], required=False, allow_blank=True, trim_whitespace=False
    )
    context = serializers.DictField(required=False, help_text="Placeholder values to use instead of the samples.")


class NotificationPreviewOutput(serializers.Serializer):
    subject = serializers.CharField()
    text = serializers.CharField()
    html = serializers.CharField()


class OutboxItemOutput(serializers.Serializer):
    id = serializers.CharField(help_text="ntf_... for a message; the warranty's id for a purchase check.")
    type = serializers.ChoiceField(choices=["notification", "purchase_verification"])
    kind = serializers.CharField(help_text="The message's kind, or purchase_verification.")
    status = serializers.CharField(help_text="The row's own status: failed, or queued/sending/running while retrying.")
    to = serializers.CharField(allow_null=True)
    subject_ref = serializers.CharField(help_text="What it is about: clm_..., wty_...")
    attempts = serializers.IntegerField()
    max_attempts = serializers.IntegerField()
    last_error = serializers.CharField(allow_null=True)
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


def outbox_item_data(item) -> dict:
    return {
        "id": item.id,
        "type": item.type,
        "kind": item.kind,
        "status": item.status,
        "to": item.to,
        "subject_ref": item.subject_ref,
        "attempts": item.attempts,
        "max_attempts": item.max_attempts,
        "last_error": item.last_error or None,
        "next_attempt_at": _iso(item.next_attempt_at),
        "created_at": _iso(item.created_at),
        "updated_at": _iso(item.updated_at),
    }
