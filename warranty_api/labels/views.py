"""Admin API of scan to register: QR codes of products and units, label-sheet jobs, the registration funnel."""

from __future__ import annotations

from django.http import FileResponse, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation

from warranty_api.core.exceptions import NotFound, ValidationFailed
from warranty_api.core.permissions import IsTenantAdmin, IsTenantAgent
from warranty_api.core.views import TenantAPIView, ok
from warranty_api.labels import codes
from warranty_api.labels.filters import FunnelParameters, QrCodeParameters
from warranty_api.labels.models import LabelSheetJob
from warranty_api.labels.selectors import label_job_get, product_code, registration_funnel, serial_code
from warranty_api.labels.serializers import (
    LabelSheetCreateInput,
    LabelSheetJobOutput,
    RegistrationFunnelOutput,
    label_job_output,
)
from warranty_api.labels.services import label_job_create


class _JsonErrorsNegotiation(BaseContentNegotiation):
    """The code's own bytes are the answer; errors render as JSON. DRF would otherwise read `?format=svg` as a
    renderer's name and answer 404."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None


def _code_response(url: str, fmt: str | None, filename: str) -> HttpResponse:
    fmt = (fmt or "svg").lower()
    if fmt not in ("svg", "png"):
        raise ValidationFailed.field("format", "invalid_choice", "Use `format=svg` or `format=png`.")
    return codes.qr_response(url, fmt, filename)


_CODE_RESPONSES = {
    (200, "image/svg+xml"): OpenApiResponse(OpenApiTypes.BINARY, description="The code; header X-Code-Url: its URL"),
    (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY),
}


class ProductQrView(TenantAPIView):
    permission_classes = [IsTenantAgent]
    filterset_class = QrCodeParameters
    content_negotiation_class = _JsonErrorsNegotiation

    @extend_schema(operation_id="admin_product_qr", summary="A QR code for a product (packaging of a whole line)",
                   responses=_CODE_RESPONSES)
    def get(self, request, tenant: str, product_id: str):
        product, url = product_code(tenant=self.tenant, product_id=product_id)
        return _code_response(url, request.query_params.get("format"), f"qr-{product.sku}")


class SerialQrView(TenantAPIView):
    permission_classes = [IsTenantAgent]
    filterset_class = QrCodeParameters
    content_negotiation_class = _JsonErrorsNegotiation

    @extend_schema(operation_id="admin_serial_qr",
                   summary="A QR code for one unit (a known serial or a registered one of this brand)",
                   responses=_CODE_RESPONSES)
    def get(self, request, tenant: str, serial: str):
        number, url = serial_code(tenant=self.tenant, serial=serial)
        return _code_response(url, request.query_params.get("format"), f"qr-{number}")


class LabelSheetListView(TenantAPIView):
    permission_classes = [IsTenantAdmin]

    @extend_schema(
        operation_id="admin_label_sheet_create",
        summary="Queue a printable PDF of QR labels: serials sent, or every known serial of a SKU",
        request=LabelSheetCreateInput, responses={202: LabelSheetJobOutput},
    )
    def post(self, request, tenant: str):
        job = label_job_create(tenant=self.tenant, user=request.user, data=request.data)
        job.tenant = self.tenant
        return ok(label_job_output(job), status=202)


class LabelSheetDetailView(TenantAPIView):
    permission_classes = [IsTenantAdmin]

    @extend_schema(operation_id="admin_label_sheet_get", summary="Progress of a label sheet, and its download",
                   responses={200: LabelSheetJobOutput})
    def get(self, request, tenant: str, job_id: str):
        return ok(label_job_output(label_job_get(tenant=self.tenant, job_id=job_id)))


class LabelSheetPdfView(TenantAPIView):
    permission_classes = [IsTenantAdmin]
    content_negotiation_class = _JsonErrorsNegotiation

    @extend_schema(operation_id="admin_label_sheet_pdf", summary="The label sheet's PDF, once done",
                   responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request, tenant: str, job_id: str):
        job = label_job_get(tenant=self.tenant, job_id=job_id)
        if job.status != LabelSheetJob.Status.DONE or not job.pdf:
            raise NotFound("This label sheet is not ready.")
        response = FileResponse(job.pdf.open("rb"), content_type="application/pdf", as_attachment=True,
                                filename=f"labels-{job.id}.pdf")
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class RegistrationFunnelView(TenantAPIView):
    permission_classes = [IsTenantAgent]
    filterset_class = FunnelParameters

    @extend_schema(
        operation_id="admin_registration_funnel",
        summary="Scans, serials scanned, registrations and conversion per SKU or category",
        responses={200: RegistrationFunnelOutput},
    )
    def get(self, request, tenant: str):
        return ok(registration_funnel(tenant=self.tenant, params=request.query_params))
