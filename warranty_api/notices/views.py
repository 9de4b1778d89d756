"""Notice endpoints: send (or dry-run) a recall or safety notice, list them, read one with its counts."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response

from warranty_api.catalog.models import Category, Product
from warranty_api.core.exceptions import ValidationFailed
from warranty_api.core.pagination import paginate
from warranty_api.core.params import iso_date, query_bool
from warranty_api.core.permissions import IsTenantAdmin, IsTenantAgent, IsTenantCustomer
from warranty_api.core.views import TenantAPIView, ok, validated
from warranty_api.notices.filters import NoticeListParameters, NoticeSendParameters
from warranty_api.notices.models import Notice
from warranty_api.notices.selectors import notice_counts, notice_get, notice_list, warranty_notices
from warranty_api.notices.services import notice_reach, notice_send, notices_mark_opened
from warranty_api.warranties.selectors import admin_warranty_get, customer_warranty_get

AUDIENCE_KEYS = ("skus", "categories", "serial_prefix", "serial_from", "serial_to", "manufactured_from",
                 "manufactured_to", "import_batch")


class StrictDateField(serializers.CharField):
    """YYYY-MM-DD exactly (API.md), kept as the string."""

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        try:
            iso_date(text)
        except ValueError:
            raise serializers.ValidationError("Enter a date YYYY-MM-DD.", code="invalid") from None
        return text


class NoticeAudienceInput(serializers.Serializer):
    skus = serializers.ListField(child=serializers.CharField(max_length=100), required=False, max_length=500)
    categories = serializers.ListField(child=serializers.CharField(max_length=100), required=False, max_length=100)
    serial_prefix = serializers.CharField(max_length=100, required=False)
    serial_from = serializers.CharField(max_length=100, required=False)
    serial_to = serializers.CharField(max_length=100, required=False)
    manufactured_from = StrictDateField(required=False)
    manufactured_to = StrictDateField(required=False)
    import_batch = serializers.CharField(max_length=40, required=False)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(AUDIENCE_KEYS))
            if unknown:
                raise serializers.ValidationError({key: [serializers.ErrorDetail("Not an audience key.",
                                                                                  code="unknown_field")]
                                                   for key in unknown})
        return super().to_internal_value(data)

    def validate(self, attrs):
        if not any(attrs.get(key) for key in AUDIENCE_KEYS):
            raise serializers.ValidationError("Name at least one audience key: " + ", ".join(AUDIENCE_KEYS) + ".",
                                              code="required")
        return attrs


class NoticeInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    message = serializers.CharField(max_length=10_000)
    kind = serializers.ChoiceField(choices=Notice.Kind.choices)
    audience = NoticeAudienceInput()


class NoticeReachOutput(serializers.Serializer):
    units_known = serializers.IntegerField(help_text="Known serials the audience names")
    units_registered = serializers.IntegerField(help_text="Registered units the audience names")
    units_reachable = serializers.IntegerField(help_text="Of those, units whose current owner can be emailed")
    owners_reachable = serializers.IntegerField(help_text="Owners who get the email (one each)")
    reach_percent = serializers.FloatField(allow_null=True,
                                           help_text="units_reachable per known unit (per registered unit when the "
                                           "brand has no known serials in the audience), in percent")


class NoticeCountsOutput(serializers.Serializer):
    emails = serializers.IntegerField()
    sent = serializers.IntegerField()
    failed = serializers.IntegerField()
    pending = serializers.IntegerField()
    warranties = serializers.IntegerField()
    opened_in_portal = serializers.IntegerField()


class NoticeListItemOutput(serializers.ModelSerializer):
    class Meta:
        model = Notice
        fields = ["id", "title", "kind", "status", "audience", "units_known", "units_registered", "owners_reachable",
                  "created_at"]


class NoticeOutput(NoticeListItemOutput):
    counts = serializers.SerializerMethodField()

    class Meta(NoticeListItemOutput.Meta):
        fields = [*NoticeListItemOutput.Meta.fields, "message", "counts"]

    @extend_schema_field(NoticeCountsOutput)
    def get_counts(self, notice: Notice) -> dict:
        return notice_counts(notice)


def _check_catalog(tenant, audience: dict) -> None:
    """Every SKU and category named must be the brand's: a typo would otherwise reach nobody, silently."""
    errors = {}
    if skus := audience.get("skus"):
        known = set(Product.objects.filter(tenant=tenant, sku__in=skus).values_list("sku", flat=True))
        for index, sku in enumerate(skus):
            if sku not in known:
                errors[f"audience.skus[{index}]"] = [{"code": "not_found", "message": f"No product {sku!r}."}]
    if categories := audience.get("categories"):
        known = set(Category.objects.filter(tenant=tenant, slug__in=categories).values_list("slug", flat=True))
        for index, slug in enumerate(categories):
            if slug not in known:
                errors[f"audience.categories[{index}]"] = [{"code": "not_found", "message": f"No category {slug!r}."}]
    if errors:
        raise ValidationFailed(fields=errors)


class NoticeListCreateView(TenantAPIView):
    filterset_class = NoticeListParameters
    filterset_classes = {"POST": NoticeSendParameters}
    refuses_unknown_fields = True

    def get_permissions(self):
        return [IsTenantAdmin()] if self.request.method == "POST" else [IsTenantAgent()]

    @extend_schema(
        operation_id="admin_notices_list",
        summary="The brand's notices, newest first",
        responses={200: NoticeListItemOutput(many=True)},
    )
    def get(self, request, tenant: str):
        return paginate(self, notice_list(tenant=self.tenant), NoticeListItemOutput, ordering=("-created_at", "-id"))

    @extend_schema(
        operation_id="admin_notices_create",
        summary="Send a recall, safety or service notice to the owners of the units it names (admins)",
        description="Every audience key given must match. `?dry_run=true` answers the reach and writes nothing. "
        "Otherwise the notice is shown on each affected warranty and one email per reachable owner (a live "
        "warranty, an active account with a verified email; a `service` notice skips owners who opted out of "
        "marketing email, a `safety` notice does not) is queued in the outbox, each sent once and retried.",
        request=NoticeInput,
        responses={200: NoticeReachOutput, 201: NoticeOutput},
    )
    def post(self, request, tenant: str):
        data = validated(NoticeInput, request.data, only_declared=True)
        audience = {key: value for key, value in data["audience"].items() if value}
        _check_catalog(self.tenant, audience)
        if query_bool(request.query_params, "dry_run"):
            return ok(notice_reach(tenant=self.tenant, audience=audience, kind=data["kind"]).as_dict())
        notice = notice_send(tenant=self.tenant, actor=request.user, title=data["title"], message=data["message"],
                             kind=data["kind"], audience=audience)
        return ok(NoticeOutput(notice).data, status=201)


class NoticeDetailView(TenantAPIView):
    permission_classes = [IsTenantAgent]

    @extend_schema(operation_id="admin_notices_retrieve", summary="A notice with its sent, failed and opened counts",
                   responses={200: NoticeOutput})
    def get(self, request, tenant: str, notice_id: str):
        return ok(NoticeOutput(notice_get(tenant=self.tenant, notice_id=notice_id)).data)


class WarrantyNoticeOutput(serializers.Serializer):
    id = serializers.CharField()
    kind = serializers.ChoiceField(choices=Notice.Kind.choices)
    title = serializers.CharField()
    message = serializers.CharField()
    created_at = serializers.DateTimeField()


class CustomerWarrantyNoticesView(TenantAPIView):
    permission_classes = [IsTenantCustomer]

    @extend_schema(operation_id="warranty_notices_mine",
                   summary="The brand's recall, safety and service notices about one of your warranties (newest first)",
                   description="Reading them counts the notices as opened in the portal.",
                   responses={200: WarrantyNoticeOutput(many=True)})
    def get(self, request, tenant: str, warranty_id: str):
        warranty = customer_warranty_get(tenant=self.tenant, user=request.user, warranty_id=warranty_id)
        notices_mark_opened(warranty=warranty)
        return _whole_list(WarrantyNoticeOutput(warranty_notices(warranty), many=True).data)


class AdminWarrantyNoticesView(TenantAPIView):
    permission_classes = [IsTenantAgent]

    @extend_schema(operation_id="admin_warranty_notices", summary="The notices about one warranty",
                   responses={200: WarrantyNoticeOutput(many=True)})
    def get(self, request, tenant: str, warranty_id: str):
        warranty = admin_warranty_get(tenant=self.tenant, warranty_id=warranty_id)
        return _whole_list(WarrantyNoticeOutput(warranty_notices(warranty), many=True).data)


def _whole_list(data: list) -> Response:
    """A warranty's notices are few: all of them in one page of the list envelope."""
    meta = {"limit": len(data), "next_cursor": None, "previous_cursor": None, "has_more": False}
    return Response({"data": data, "meta": meta})
