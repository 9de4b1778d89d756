"""Request and response shapes of the scan-to-register endpoints (each name unique in the OpenAPI schema)."""

from rest_framework import serializers

from warranty_api.labels.models import LabelSheetJob
from warranty_api.labels.pdf import LAYOUTS


class LabelSheetCreateInput(serializers.Serializer):
    serials = serializers.ListField(child=serializers.CharField(max_length=100), required=False,
                                    max_length=LabelSheetJob.MAX_SERIALS,
                                    help_text="Serial numbers, one label each (at most 100,000).")
    sku = serializers.CharField(required=False, help_text="With `known_serials: true`: every known serial of it.")
    known_serials = serializers.BooleanField(required=False)
    layout = serializers.ChoiceField(choices=list(LAYOUTS), required=False, default="L7159",
                                     help_text="; ".join(f"{k}: {v.description}" for k, v in LAYOUTS.items()))


class LabelSheetJobOutput(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.ChoiceField(choices=LabelSheetJob.Status.choices)
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    layout = serializers.CharField()
    download_url = serializers.CharField(allow_null=True, help_text="The PDF, with a staff token, once done.")
    error = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


def label_job_output(job: LabelSheetJob) -> dict:
    download = f"/api/{job.tenant.slug}/admin/qr-labels/{job.id}/pdf" if job.status == LabelSheetJob.Status.DONE else None
    return LabelSheetJobOutput({
        "id": job.id, "status": job.status, "done": job.done, "total": job.total, "layout": job.layout,
        "download_url": download,
        "error": job.last_error if job.status == LabelSheetJob.Status.FAILED else "",
        "created_at": job.created_at, "finished_at": job.finished_at,
    }).data


class FunnelGroupOutput(serializers.Serializer):
    key = serializers.CharField(allow_null=True, help_text="The SKU or category slug; null for unknown serials.")
    name = serializers.CharField()
    scans = serializers.IntegerField()
    serials_scanned = serializers.IntegerField()
    registrations = serializers.IntegerField()
    registrations_from_scans = serializers.IntegerField()
    conversion = serializers.FloatField(allow_null=True, help_text="registrations_from_scans / serials_scanned.")


class RegistrationFunnelOutput(serializers.Serializer):
    by = serializers.ChoiceField(choices=["sku", "category"])
    # `from` is a Python keyword; the field is declared under it below.
    to = serializers.DateField()
    groups = FunnelGroupOutput(many=True)


RegistrationFunnelOutput._declared_fields["from"] = serializers.DateField()
