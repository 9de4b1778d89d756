"""Admin endpoints of customer email: each kind's template and its preview, and the staff outbox."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from warranty_api.core.permissions import IsTenantAdmin, IsTenantAgent
from warranty_api.core.views import TenantAPIView, ok, validated
from warranty_api.notifications import services as services
from warranty_api.notifications.filters import OutboxListParameters
from warranty_api.notifications.selectors import (
    notification_template_get,
    notification_templates_list,
    outbox_list,
    outbox_notification_item,
)
from warranty_api.notifications.serializers import (
    NotificationPreviewInput,
    NotificationPreviewOutput,
    NotificationTemplateInput,
    NotificationTemplateOutput,
    OutboxItemOutput,
    notification_template_data,
    outbox_item_data,
)


class NotificationTemplateListView(TenantAPIView):
    permission_classes = [IsTenantAdmin]

    @extend_schema(
        operation_id="admin_notification_templates_list",
        summary="Every kind of customer email, with its placeholders and the brand's wording or the default",
        responses={200: NotificationTemplateOutput(many=True)},
    )
    def get(self, request, tenant: str):
        # A fixed, short list (one entry per kind of message): no cursor.
        data = [notification_template_data(view) for view in notification_templates_list(tenant=self.tenant)]
        meta = {"limit": len(data), "next_cursor": None, "previous_cursor": None, "has_more": False, "total": len(data)}
        return Response({"data": data, "meta": meta})


class NotificationTemplateDetailView(TenantAPIView):
    permission_classes = [IsTenantAdmin]

    @extend_schema(
        operation_id="admin_notification_template_get",
        summary="One kind of customer email: the brand's wording or the default",
        responses={200: NotificationTemplateOutput},
    )
    def get(self, request, tenant: str, kind: str):
        return ok(notification_template_data(notification_template_get(tenant=self.tenant, kind=kind)))

    @extend_schema(
        operation_id="admin_notification_template_put",
        summary="Set the brand's wording of one kind of customer email",
        description="Only `{{ placeholder }}` substitutions of the kind's `placeholders` are allowed; an unknown "
        "placeholder (`unknown_placeholder`, listing the allowed ones) or a template tag (`template_syntax`) is "
        "refused with a field error. `html_body` is optional: without it the HTML part is made from the text. "
        "HTML goes through an allow-list (`unsafe_html`): no images or other remote resources, no scripts or "
        "event attributes, `href` only a whole `{{ link }}`, `mailto:{{ support_email }}` or a plain https "
        "address. `{{ link }}` and `{{ code }}` stand on their own (`link_not_alone`) and never in the subject. "
        "The emails that open an account (`email_verification`, `password_reset`, `staff_invitation`, "
        "`staff_membership_invitation`) take no HTML of the brand's (`html_body_editable` false) and no address "
        "but the product's link (`url_not_allowed`). A stored template that breaks these rules is not used.",
        request=NotificationTemplateInput,
        responses={200: NotificationTemplateOutput},
    )
    def put(self, request, tenant: str, kind: str):
        values = validated(NotificationTemplateInput, request.data, only_declared=True)
        services.notification_template_save(tenant=self.tenant, kind=kind, **values)
        return ok(notification_template_data(notification_template_get(tenant=self.tenant, kind=kind)))

    @extend_schema(
        operation_id="admin_notification_template_reset",
        summary="Go back to the default wording of one kind of customer email",
        responses={204: None},
    )
    def delete(self, request, tenant: str, kind: str):
        services.notification_template_reset(tenant=self.tenant, kind=kind)
        return ok(None, status=204)


class NotificationTemplatePreviewView(TenantAPIView):
    permission_classes = [IsTenantAdmin]
    refuses_unknown_fields = True  # for the OpenAPI schema: the body is `validated(..., only_declared=True)`

    @extend_schema(
        operation_id="admin_notification_template_preview",
        summary="Render one kind of customer email with sample values, without saving",
        description="Parts left out are taken from the brand's current wording (or the default); `context` "
        "replaces sample values of the kind's own placeholders.",
        request=NotificationPreviewInput,
        responses={200: NotificationPreviewOutput},
    )
    def post(self, request, tenant: str, kind: str):
        values = validated(NotificationPreviewInput, request.data, only_declared=True)
        message = services.notification_preview(tenant=self.tenant, kind=kind, **values)
        return ok({"subject": message.subject, "text": message.text, "html": message.html})


class OutboxListView(TenantAPIView):
    permission_classes = [IsTenantAgent]
    filterset_class = OutboxListParameters

    @extend_schema(
        operation_id="admin_outbox_list",
        summary="Background work that failed or is waiting to be retried: emails and purchase checks",
        description="Newest first. `status=failed`: attempts exhausted (staff may retry); `status=retrying`: "
        "waiting for another attempt after an error, or taken by a worker that stopped. Both when omitted.",
        responses={
            200: inline_serializer(
                "OutboxListOutput",
                {
                    "data": OutboxItemOutput(many=True),
                    "meta": inline_serializer(
                        "OutboxListMeta",
                        {
                            "limit": serializers.IntegerField(),
                            "next_cursor": serializers.CharField(allow_null=True),
                            "previous_cursor": serializers.CharField(allow_null=True),
                            "has_more": serializers.BooleanField(),
                        },
                    ),
                },
            )
        },
    )
    def get(self, request, tenant: str):
        params = request.query_params
        page = outbox_list(
            tenant=self.tenant,
            status=params.get("status"),
            kind=params.get("kind"),
            cursor=params.get("cursor"),
            limit=params.get("limit"),
        )
        meta = {"limit": page.limit, "next_cursor": page.next_cursor, "previous_cursor": None, "has_more": page.has_more}
        return Response({"data": [outbox_item_data(item) for item in page.items], "meta": meta})


class OutboxNotificationRetryView(TenantAPIView):
    permission_classes = [IsTenantAdmin]

    @extend_schema(
        operation_id="admin_outbox_notification_retry",
        summary="Send a failed (or backing-off) email again now",
        description="A failed message gets a fresh set of attempts. 409 `notification_already_sent` / "
        "`notification_in_progress`.",
        request=None,
        responses={202: OutboxItemOutput},
    )
    def post(self, request, tenant: str, notification_id: str):
        services.outbox_notification_retry(tenant=self.tenant, notification_id=notification_id)
        item = outbox_notification_item(tenant=self.tenant, notification_id=notification_id)
        return ok(outbox_item_data(item), status=202)
