"""The support desk's known-serials screens in Wagtail's admin: look a serial up (known? registered? by whom?),
upload a CSV of known serials, follow the import's progress and bad lines, and the brand's import history.

The upload goes through the same import service as the API's endpoint, so the job is the same either way.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.functional import cached_property

from warranty_api.catalog.imports.models import SerialImportJob
from warranty_api.catalog.imports.services import serial_import_job_create
from warranty_api.catalog.models import KnownSerial, normalize_serial
from warranty_api.core.exceptions import ApiError
from warranty_api.warranties.models import Warranty
from warranty_api.workspace.menu import WorkspaceViewSet
from warranty_api.workspace.permissions import Area
from warranty_api.workspace.views import WorkspaceScreen

HISTORY_SIZE = 25
# While a job runs its page reloads itself this often: progress without any script.
REFRESH_SECONDS = 3


class SerialsView(WorkspaceScreen):
    """The lookup, the upload form and the history, on one screen."""

    area = Area.IMPORTS
    template_name = "workspace/serials/index.html"
    page_title = "Known serials"
    header_icon = "list-ul"

    def lookup(self) -> dict | None:
        raw = (self.request.GET.get("serial") or "").strip()
        if not raw:
            return None
        serial = normalize_serial(raw)
        known = self.scoped(KnownSerial.objects).filter(serial_number=serial).select_related("product").first()
        warranties = list(self.scoped(Warranty.objects).filter(serial_number=serial)
                          .select_related("product", "customer", "owner").order_by("-created_at"))
        return {"asked": raw, "serial": serial, "known": known, "warranties": warranties}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            result=self.lookup(),
            jobs=list(self.scoped(SerialImportJob.objects).select_related("created_by")
                      .order_by("-created_at")[:HISTORY_SIZE]),
            upload_error=kwargs.get("upload_error"),
        )
        return context

    def post(self, request, *args, **kwargs):
        upload = request.FILES.get("file")
        if upload is None:
            return self.render_to_response(
                self.get_context_data(upload_error="Choose a CSV file to upload."), status=400)
        try:
            job = serial_import_job_create(tenant=self.tenant, user=request.user, upload=upload)
        except ApiError as error:
            return self.render_to_response(self.get_context_data(upload_error=error.message),
                                           status=error.status_code)
        messages.success(request, f"{job.original_name or 'The file'} is queued for import.")
        return HttpResponseRedirect(reverse("workspace_serials:job", args=[job.id]))


class ImportJobView(WorkspaceScreen):
    """One import: progress (the page reloads itself while the job runs), counts, and the bad lines by number."""

    area = Area.IMPORTS
    template_name = "workspace/serials/job.html"
    header_icon = "list-ul"
    parents = (("workspace_serials:index", "Known serials"),)

    @cached_property
    def job(self) -> SerialImportJob:
        return self.scoped_get(SerialImportJob.objects.select_related("created_by"), id=self.kwargs["job_id"])

    def get_page_title(self):
        return f"Import {self.job.original_name or self.job.id}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = self.job
        running = job.status in (SerialImportJob.Status.QUEUED, SerialImportJob.Status.RUNNING)
        context.update(job=job, running=running, refresh_seconds=REFRESH_SECONDS if running else None,
                       hidden_errors=max(0, job.rows_failed - len(job.errors)))
        return context


class SerialsViewSet(WorkspaceViewSet):
    name = "workspace_serials"
    url_prefix = "serials"
    area = Area.IMPORTS
    icon = "list-ul"
    menu_label = "Known serials"
    menu_name = "serials"
    menu_order = 6

    def get_urlpatterns(self):
        return [
            path("", SerialsView.as_view(), name="index"),
            path("imports/<str:job_id>/", ImportJobView.as_view(), name="job"),
        ]
