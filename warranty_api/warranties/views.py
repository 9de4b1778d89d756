"""Warranty endpoints: public registration, the customer's own warranties, transfers, admin review, imports."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer

from warranty_api.catalog.imports.models import SerialImportJob
from warranty_api.catalog.imports.services import serial_import_job_create
from warranty_api.catalog.serializers import SerialRuleTestInput, SerialRuleTestOutput
from warranty_api.core.csv_export import CSV_RENDERERS, csv_response, wants_csv
from warranty_api.core.exceptions import ApiError, NotFound, ValidationFailed, error_body
from warranty_api.core.pagination import paginate
from warranty_api.core.parsers import json_loads_checked
from warranty_api.core.permissions import IsTenantAdmin, IsTenantAgent, IsTenantCustomer
from warranty_api.core.roles import Role
from warranty_api.core.throttles import PublicIpThrottle
from warranty_api.core.views import TenantAPIView, ok, validated
from warranty_api.tenancy.middleware import resolve_deferred_tenant, tenant_not_found
from warranty_api.warranties.certificate import (
    certificate_filename,
    certificate_pdf,
    certificate_warranty_by_token,
    certificate_warranty_of_owner,
)
from warranty_api.warranties.exports import WARRANTY_HEADER, warranty_rows
from warranty_api.warranties.filters import (
    AdminWarrantyListParameters,
    CertificateLinkParameters,
    CustomerWarrantyListParameters,
)
from warranty_api.warranties.selectors import (
    admin_warranty_get,
    admin_warranty_list,
    customer_warranty_get,
    customer_warranty_list,
)
from warranty_api.warranties.serial_rules import serial_rule_test
from warranty_api.warranties.serializers import (
    SerialImportJobOutput,
    WarrantyAdminDetailOutput,
    WarrantyAdminOutput,
    WarrantyAdminPatchInput,
    WarrantyOutput,
    WarrantyRegisterInput,
    WarrantyTransferAcceptInput,
    WarrantyTransferInput,
    WarrantyTransferOutput,
    register_input_plain,
    warranty_output,
    warranty_register_input,
)
from warranty_api.warranties.services import (
    ADMIN_PATCH_FIELDS,
    registration_tenant_and_lookup,
    warranty_admin_update,
    warranty_register,
    warranty_transfer_accept,
    warranty_transfer_start,
)

_JSON = JSONRenderer()
_PLAIN_BODY_MAX = 16 * 1024  # a registration body is well under 1 KB; a larger one takes DRF's way
_PLAIN_CONTENT_TYPES = {"application/json", "application/json; charset=utf-8", "application/json;charset=utf-8"}
_PLAIN_ACCEPT = {"", "*/*", "application/json"}
PLAIN_LANE = True  # tests turn it off to hold the two ways' answers equal


def _plain_registration(view, request) -> HttpResponse | None:
    """The common registration (anonymous, JSON, no Idempotency-Key, a plain valid body) answered without
    DRF's request cycle (request wrapping, content negotiation, authentication, rendering: a few tenths of a
    millisecond of CPU on the busiest public endpoint); None for any other request, which DRF's cycle then
    answers as it always has.

    The answer is the one DRF gives, byte for byte: the same throttle (counted once: a request this lane
    leaves to DRF before the throttle is not counted here), the same validated data (`register_input_plain`
    takes only bodies the serializer accepts identically), the same service, JSON renderer, error envelope and
    `Allow` header. tests/warranties/test_registration_plain_lane.py compares the two ways request by request.
    """
    meta = request.META
    if (
        not PLAIN_LANE
        or request.method != "POST"
        or "HTTP_AUTHORIZATION" in meta
        or "HTTP_IDEMPOTENCY_KEY" in meta
        or meta.get("CONTENT_TYPE", "").lower() not in _PLAIN_CONTENT_TYPES
        or meta.get("HTTP_ACCEPT", "").strip() not in _PLAIN_ACCEPT
    ):
        return None
    try:
        length = int(meta.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None
    if not 0 < length <= _PLAIN_BODY_MAX:
        return None
    try:
        data = json_loads_checked(request.body)
    except ApiError:
        return None  # DRF's parser answers it (400 invalid_json / validation_error), as before
    validated = register_input_plain(data)
    if validated is None:
        return None
    slug = getattr(request, "deferred_tenant_slug", None)
    if slug is None:
        return None  # TenantMiddleware defers every registration POST; without it, DRF's way
    tenant, lookup = registration_tenant_and_lookup(slug, validated["serial_number"], validated["customer"]["email"])
    if tenant is None:
        return tenant_not_found()
    request.tenant = tenant
    for throttle in view.get_throttles():
        if not throttle.allow_request(request, view):
            return None  # DRF's cycle answers 429 with its Retry-After; nothing was counted
    try:
        warranty = warranty_register(tenant=tenant, data=validated, account=None, lookup=lookup)
        status, body, headers = 201, {"data": warranty_output(warranty)}, {}
    except ApiError as exc:
        status, body, headers = exc.status_code, error_body(exc.code, exc.message, exc.fields), exc.headers
    return HttpResponse(_JSON.render(body), status=status, content_type="application/json",
                        headers={**headers, "Allow": ", ".join(view.allowed_methods)})


class PublicWarrantyRegisterView(TenantAPIView):
    permission_classes: list = []
    throttle_classes = [PublicIpThrottle]

    def dispatch(self, request, *args, **kwargs):
        answered = _plain_registration(self, request)
        if answered is not None:
            return answered
        return resolve_deferred_tenant(request) or super().dispatch(request, *args, **kwargs)

    @extend_schema(
        operation_id="warranty_register",
        summary="Register a product for warranty (public; a customer token attaches it to that account)",
        request=WarrantyRegisterInput,
        responses={201: WarrantyOutput},
    )
    def post(self, request, tenant: str):
        data = warranty_register_input(request.data)
        account = request.user if self.role == Role.CUSTOMER else None
        warranty = warranty_register(tenant=self.tenant, data=data, account=account)
        return ok(warranty_output(warranty), status=201)


class CustomerWarrantyListView(TenantAPIView):
    permission_classes = [IsTenantCustomer]
    filterset_class = CustomerWarrantyListParameters

    @extend_schema(
        operation_id="warranty_list_mine",
        summary="The signed-in customer's warranties",
        responses={200: WarrantyOutput(many=True)},
    )
    def get(self, request, tenant: str):
        qs = customer_warranty_list(tenant=self.tenant, user=request.user)
        return paginate(self, qs, WarrantyOutput, ordering=("-created_at", "-id"))


class CustomerWarrantyDetailView(TenantAPIView):
    permission_classes = [IsTenantCustomer]

    @extend_schema(operation_id="warranty_get_mine", summary="One of the signed-in customer's warranties",
                   responses={200: WarrantyOutput})
    def get(self, request, tenant: str, warranty_id: str):
        return ok(WarrantyOutput(customer_warranty_get(tenant=self.tenant, user=request.user, warranty_id=warranty_id)).data)


class _PdfOrJsonErrors(BaseContentNegotiation):
    """The certificate's bytes are the answer whatever the client accepts (a browser opening the email's link
    sends text/html first); errors render as the JSON envelope."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None


def _certificate_response(warranty, language: str) -> HttpResponse:
    response = HttpResponse(certificate_pdf(warranty, language=language), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{certificate_filename(warranty)}"'
    response["X-Content-Type-Options"] = "nosniff"
    # It names the owner: kept by no shared cache, and not stored by the browser beyond the download.
    response["Cache-Control"] = "private, no-store"
    return response


_CERTIFICATE_RESPONSES = {
    (200, "application/pdf"): OpenApiResponse(
        OpenApiTypes.BINARY,
        description='The certificate (A4, one page); `Content-Disposition: attachment; filename="warranty-<serial>.pdf"`.',
    ),
}


class CustomerWarrantyCertificateView(TenantAPIView):
    permission_classes = [IsTenantCustomer]
    content_negotiation_class = _PdfOrJsonErrors

    @extend_schema(
        operation_id="warranty_certificate_mine",
        summary="The warranty's certificate (PDF) for its owner",
        description="Brand, product, serial, owner, purchase date, term, coverage, status, the issue date and a QR "
        "code opening the warranty's page, in the owner's language. A void, transferred or expired warranty's "
        "certificate says so in a banner across the page.",
        responses=_CERTIFICATE_RESPONSES,
    )
    def get(self, request, tenant: str, warranty_id: str):
        warranty = certificate_warranty_of_owner(tenant=self.tenant, user=request.user, warranty_id=warranty_id)
        return _certificate_response(warranty, language=translation.get_language() or "")


class PublicWarrantyCertificateView(TenantAPIView):
    """The registration email's link: the token is the permission (public registration needs no account)."""

    permission_classes: list = []
    filterset_class = CertificateLinkParameters
    authentication_classes: list = []
    throttle_classes = [PublicIpThrottle]
    content_negotiation_class = _PdfOrJsonErrors

    @extend_schema(
        operation_id="warranty_certificate_by_link",
        summary="A warranty's certificate (PDF) from the signed link of its registration email; no sign-in",
        responses=_CERTIFICATE_RESPONSES,
    )
    def get(self, request, tenant: str):
        warranty, language = certificate_warranty_by_token(tenant=self.tenant, token=request.query_params.get("token", ""))
        return _certificate_response(warranty, language=language)


class WarrantyTransferView(TenantAPIView):
    permission_classes = [IsTenantCustomer]

    @extend_schema(
        operation_id="warranty_transfer_start",
        summary="Offer the warranty to a new owner; they accept through the emailed link",
        request=WarrantyTransferInput,
        responses={201: WarrantyTransferOutput},
    )
    def post(self, request, tenant: str, warranty_id: str):
        body = WarrantyTransferInput(data=request.data)
        body.is_valid(raise_exception=True)
        transfer = warranty_transfer_start(
            tenant=self.tenant, warranty_id=warranty_id, user=request.user, email=body.validated_data["email"]
        )
        return ok(WarrantyTransferOutput(transfer).data, status=201)


class WarrantyTransferAcceptView(TenantAPIView):
    permission_classes = [IsTenantCustomer]

    @extend_schema(
        operation_id="warranty_transfer_accept",
        summary="Accept a transferred warranty (signed in as the invited, verified email)",
        request=WarrantyTransferAcceptInput,
        responses={201: WarrantyOutput},
    )
    def post(self, request, tenant: str):
        body = WarrantyTransferAcceptInput(data=request.data)
        body.is_valid(raise_exception=True)
        warranty = warranty_transfer_accept(tenant=self.tenant, user=request.user, token=body.validated_data["token"])
        return ok(WarrantyOutput(warranty).data, status=201)


class AdminWarrantyListView(TenantAPIView):
    permission_classes = [IsTenantAgent]
    filterset_class = AdminWarrantyListParameters
    renderer_classes = CSV_RENDERERS

    @extend_schema(operation_id="admin_warranty_list", summary="All the brand's warranties, filtered",
                   responses={(200, "application/json"): WarrantyAdminOutput(many=True),
                              (200, "text/csv"): OpenApiTypes.STR})
    def get(self, request, tenant: str):
        qs, ordering = admin_warranty_list(tenant=self.tenant, params=request.query_params)
        if wants_csv(request):
            return csv_response("warranties.csv", WARRANTY_HEADER, warranty_rows(qs.order_by(*ordering)))
        return paginate(self, qs, WarrantyAdminOutput, ordering=ordering)


class AdminWarrantyDetailView(TenantAPIView):
    permission_classes = [IsTenantAgent]

    @extend_schema(operation_id="admin_warranty_get", summary="One warranty with its audit trail",
                   responses={200: WarrantyAdminDetailOutput})
    def get(self, request, tenant: str, warranty_id: str):
        warranty = admin_warranty_get(tenant=self.tenant, warranty_id=warranty_id, with_events=True)
        return ok(WarrantyAdminDetailOutput(warranty).data)

    @extend_schema(
        operation_id="admin_warranty_update",
        summary="Void with a reason, reinstate, correct the purchase date, extend the end, notes",
        request=WarrantyAdminPatchInput,
        responses={200: WarrantyAdminDetailOutput, 409: OpenApiResponse(
            description="invalid_transition: the warranty already has that status, or was transferred")},
    )
    def patch(self, request, tenant: str, warranty_id: str):
        data = request.data
        if not isinstance(data, dict):
            raise ValidationFailed.field("non_field_errors", "invalid", "Send a JSON object.")
        refused = {
            name: [{"code": "not_allowed", "message": "This field cannot be changed here."}]
            for name in data
            if name not in ADMIN_PATCH_FIELDS
        }
        if refused:
            raise ValidationFailed(fields=refused)
        body = WarrantyAdminPatchInput(data=data, partial=True)
        body.is_valid(raise_exception=True)
        warranty_admin_update(
            tenant=self.tenant, warranty_id=warranty_id, actor=request.user, changes=body.validated_data
        )
        warranty = admin_warranty_get(tenant=self.tenant, warranty_id=warranty_id, with_events=True)
        return ok(WarrantyAdminDetailOutput(warranty).data)


class SerialImportView(TenantAPIView):
    permission_classes = [IsTenantAdmin]
    parser_classes = [MultiPartParser]  # an upload; every other body of the API is JSON only

    @extend_schema(
        operation_id="serial_import_start",
        summary="Upload a CSV of known serials (serial_number,sku[,manufactured_on]); it imports in the background",
        request={"multipart/form-data": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}},
        responses={201: SerialImportJobOutput},
    )
    def post(self, request, tenant: str):
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed.field("file", "required", "Send the CSV as the multipart field `file`.")
        job = serial_import_job_create(tenant=self.tenant, user=request.user, upload=upload)
        return ok(SerialImportJobOutput(job).data, status=201)


class SerialImportDetailView(TenantAPIView):
    permission_classes = [IsTenantAdmin]

    @extend_schema(operation_id="serial_import_get", summary="Progress and result of a serial import",
                   responses={200: SerialImportJobOutput})
    def get(self, request, tenant: str, job_id: str):
        job = SerialImportJob.objects.filter(tenant=self.tenant, id=job_id).first()
        if job is None:
            raise NotFound()
        return ok(SerialImportJobOutput(job).data)


class AdminSerialRuleTestView(TenantAPIView):
    permission_classes = [IsTenantAgent]  # a dry run: agents use it to answer customers
    refuses_unknown_fields = True

    @extend_schema(
        operation_id="admin_serial_rules_test",
        summary="What registration would decide about a serial number, without registering it",
        description="Format, known or not, the product and category it resolves to and their term, or the "
        "refusal code registration would answer (`serial_invalid_format`, `serial_unknown`, "
        "`serial_ambiguous`, `serial_already_registered`). Changes nothing of the brand's data.",
        request=SerialRuleTestInput,
        responses={200: SerialRuleTestOutput},
    )
    def post(self, request, tenant: str):
        data = validated(SerialRuleTestInput, request.data, only_declared=True)
        return ok(serial_rule_test(tenant=self.tenant, serial_number=data["serial_number"]))
