"""Analytics endpoints: failure rates, claim cycle times, and CSV export jobs (staff: agents and admins)."""

from __future__ import annotations

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from warranty_api.analytics import exports
from warranty_api.analytics.error_codes import AnalyticsErrorCode
from warranty_api.analytics.filters import CycleTimeParameters, FailureRateParameters
from warranty_api.analytics.models import ExportJob
from warranty_api.analytics.selectors import claim_cycle_times, failure_rates
from warranty_api.analytics.services import export_job_create
from warranty_api.claims.filters import ClaimQueueParameters
from warranty_api.core.csv_export import CSV_RENDERERS, csv_response, wants_csv
from warranty_api.core.exceptions import Conflict, NotFound
from warranty_api.core.filters import refuse_unknown_parameters
from warranty_api.core.permissions import IsTenantAgent
from warranty_api.core.views import TenantAPIView, ok, validated
from warranty_api.warranties.filters import AdminWarrantyListParameters

CSV_RESPONSE = (200, "text/csv")


class FailureRateRowOutput(serializers.Serializer):
    key = serializers.CharField(allow_null=True, help_text="SKU, category slug, YYYY-MM or import batch id; null "
                                "for units whose serial (or its date, or batch) is not known")
    label = serializers.CharField()
    units_known = serializers.IntegerField(allow_null=True, help_text="Known (shipped) serials; null by purchase_month")
    units_registered = serializers.IntegerField()
    claims = serializers.IntegerField()
    approved_claims = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text="claims / units_registered")
    rate_low = serializers.FloatField(allow_null=True, help_text="95% Wilson interval, lower bound")
    rate_high = serializers.FloatField(allow_null=True, help_text="95% Wilson interval, upper bound")
    rate_known = serializers.FloatField(allow_null=True, help_text="claims / units_known, when known serials exist")
    claims_by_issue_type = serializers.DictField(child=serializers.IntegerField())
    median_days_to_first_claim = serializers.FloatField(allow_null=True)
    flag = serializers.BooleanField(help_text="rate_low is above the brand's alert threshold")


class FailureRatesOutput(serializers.Serializer):
    data = FailureRateRowOutput(many=True)
    meta = serializers.DictField(help_text="by, as_of (when the figures were computed), refresh_minutes, "
                                 "alert_threshold (a fraction), confidence")


class FailureRatesView(TenantAPIView):
    permission_classes = [IsTenantAgent]
    filterset_class = FailureRateParameters
    renderer_classes = CSV_RENDERERS

    @extend_schema(
        operation_id="admin_analytics_failure_rates",
        summary="Failure rates by SKU, category, manufactured or purchase month, or import batch",
        description="Claims per registered unit with a 95% Wilson interval, claims per known (shipped) unit, claims by "
        "issue type, the median days from purchase to a unit's first claim, and `flag` when the interval's lower "
        "bound is above the brand's alert threshold (`failure_rate_alert_percent`, 1.5 by default). `from` and `to` "
        "choose units by purchase date (their claims come with them); `issue_type` counts only those claims. "
        "Figures come from cells rebuilt every ANALYTICS_REFRESH_MINUTES; `meta.as_of` says when.",
        responses={(200, "application/json"): FailureRatesOutput, CSV_RESPONSE: OpenApiTypes.STR},
    )
    def get(self, request, tenant: str):
        rows, meta = failure_rates(tenant=self.tenant, params=request.query_params)
        if wants_csv(request):
            return csv_response(f"failure-rates-{meta['by']}.csv", exports.FAILURE_HEADER,
                                        exports.failure_rate_rows(rows))
        return Response({"data": rows, "meta": {**meta, "as_of": serializers.DateTimeField().to_representation(
            meta["as_of"])}})


class CycleTimeOutput(serializers.Serializer):
    period = serializers.CharField(help_text="2026-W48 or 2026-11")
    start = serializers.DateField()
    claims = serializers.IntegerField()
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="Claims filed then, by status now")
    time_to_first_response_hours = serializers.DictField(help_text="count, p50, p90 (hours)")
    time_to_decision_hours = serializers.DictField()
    time_to_resolution_hours = serializers.DictField()


class CycleTimesOutput(serializers.Serializer):
    data = CycleTimeOutput(many=True)
    meta = serializers.DictField()


class ClaimCycleTimesView(TenantAPIView):
    permission_classes = [IsTenantAgent]
    filterset_class = CycleTimeParameters
    renderer_classes = CSV_RENDERERS

    @extend_schema(
        operation_id="admin_analytics_claims",
        summary="Claims per week or month of filing: counts by status, p50/p90 to first response, decision, resolution",
        responses={(200, "application/json"): CycleTimesOutput, CSV_RESPONSE: OpenApiTypes.STR},
    )
    def get(self, request, tenant: str):
        rows, meta = claim_cycle_times(tenant=self.tenant, params=request.query_params)
        if wants_csv(request):
            return csv_response(f"claims-by-{meta['period']}.csv", exports.CYCLE_HEADER,
                                        exports.cycle_time_rows(rows))
        return Response({"data": rows, "meta": meta})


class ExportJobInput(serializers.Serializer):
    table = serializers.ChoiceField(choices=list(exports.TABLES))
    params = serializers.DictField(child=serializers.CharField(max_length=200, allow_blank=True), required=False,
                                   default=dict, help_text="The list's or table's query parameters, as strings")


class ExportJobOutput(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = ["id", "table", "params", "status", "rows", "failure", "created_at", "finished_at", "download_url"]

    def get_download_url(self, job: ExportJob) -> str | None:
        if job.status != ExportJob.Status.DONE:
            return None
        return f"/api/{job.tenant.slug}/admin/exports/{job.id}/download"


_EXPORT_FILTERS = {
    "warranties": AdminWarrantyListParameters,
    "claims": ClaimQueueParameters,
    "failure_rates": FailureRateParameters,
    "claim_cycle_times": CycleTimeParameters,
}
_NOT_FILTERS = frozenset({"limit", "cursor", "include_total", "format"})


class ExportJobCreateView(TenantAPIView):
    permission_classes = [IsTenantAgent]

    @extend_schema(
        operation_id="admin_exports_create",
        summary="Export a big table as CSV in the background; poll the job, then download it",
        request=ExportJobInput,
        responses={202: ExportJobOutput},
    )
    def post(self, request, tenant: str):
        data = validated(ExportJobInput, request.data, only_declared=True)
        # A job's params are its list's filters: the names the list takes, less its pages and its format.
        refuse_unknown_parameters(data["params"], _EXPORT_FILTERS[data["table"]], leave_out=_NOT_FILTERS,
                                  field_prefix="params.")
        job = export_job_create(tenant=self.tenant, user=request.user, table=data["table"], params=data["params"])
        job.refresh_from_db()
        return ok(ExportJobOutput(job).data, status=202)


def _job(tenant, job_id: str) -> ExportJob:
    job = ExportJob.objects.select_related("tenant").filter(tenant=tenant, id=job_id).first()
    if job is None:
        raise NotFound()
    return job


class ExportJobDetailView(TenantAPIView):
    permission_classes = [IsTenantAgent]

    @extend_schema(operation_id="admin_exports_retrieve", summary="An export job's progress",
                   responses={200: ExportJobOutput})
    def get(self, request, tenant: str, job_id: str):
        return ok(ExportJobOutput(_job(self.tenant, job_id)).data)


class ExportJobDownloadView(TenantAPIView):
    permission_classes = [IsTenantAgent]
    renderer_classes = CSV_RENDERERS

    @extend_schema(operation_id="admin_exports_download", summary="The finished export's CSV",
                   description="409 `export_not_finished` until the job's `status` is `done`.",
                   responses={CSV_RESPONSE: OpenApiTypes.STR,
                              409: OpenApiResponse(description="export_not_finished")})
    def get(self, request, tenant: str, job_id: str):
        job = _job(self.tenant, job_id)
        if job.status != ExportJob.Status.DONE or not job.file:
            # The job exists: 404 would say it does not. Its file is not there yet (or the job failed).
            raise Conflict("This export is not finished; its status says when it is.",
                           code=AnalyticsErrorCode.EXPORT_NOT_FINISHED)
        response = FileResponse(job.file.open("rb"), content_type="text/csv; charset=utf-8", as_attachment=True,
                                filename=f"{job.table}-{job.id}.csv")
        response["X-Content-Type-Options"] = "nosniff"
        return response
