"""Scan to register in the staff workspace: each product's QR code, a code for one unit, label sheets, and the
registration funnel as a table and a chart.

The same selectors and services as the admin API (`warranty_api/labels/views.py`), the same roles: agents and
admins make codes and read the funnel; label sheets are for admins. The chart is SVG drawn by the server.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseRedirect, QueryDict
from django.urls import path, reverse
from django.views import View

from warranty_api.catalog.models import Product
from warranty_api.core.exceptions import ApiError
from warranty_api.core.roles import Role
from warranty_api.labels import codes
from warranty_api.labels.models import LabelSheetJob
from warranty_api.labels.pdf import DEFAULT_LAYOUT, LAYOUTS
from warranty_api.labels.selectors import (
    label_job_get,
    label_jobs_recent,
    product_code,
    registration_funnel,
    serial_code,
)
from warranty_api.labels.services import label_job_create
from warranty_api.workspace.menu import WorkspaceViewSet
from warranty_api.workspace.permissions import Area
from warranty_api.workspace.views import WorkspaceMixin, WorkspaceScreen, error_text, posted

CHART_WIDTH = 640
BAR_HEIGHT = 20
LABEL_WIDTH = 170


def funnel_chart(groups: list[dict]) -> dict:
    """Per group, two bars: serials scanned and those of them registered, on one scale."""
    top = max([1, *(g["serials_scanned"] for g in groups), *(g["registrations"] for g in groups)])
    span = CHART_WIDTH - LABEL_WIDTH - 120  # room for the counts beside the longest bar
    rows = []
    for index, group in enumerate(groups):
        y = 6 + index * (2 * BAR_HEIGHT + 14)
        scanned = round(span * group["serials_scanned"] / top, 1)
        registered = round(span * group["registrations_from_scans"] / top, 1)
        rows.append({
            "label": (group["name"] or "Not known")[:26], "y": y, "label_y": y + BAR_HEIGHT + 4,
            "scanned": scanned, "scanned_y": y, "scanned_text_x": LABEL_WIDTH + scanned + 6,
            "registered": registered, "registered_y": y + BAR_HEIGHT + 2,
            "registered_text_x": LABEL_WIDTH + registered + 6,
            "scanned_count": group["serials_scanned"], "registered_count": group["registrations_from_scans"],
            "text_y": y + BAR_HEIGHT - 6, "registered_text_y": y + 2 * BAR_HEIGHT - 4,
        })
    return {"rows": rows, "width": CHART_WIDTH, "x0": LABEL_WIDTH,
            "height": max(40, 12 + len(groups) * (2 * BAR_HEIGHT + 14))}


class QrCodesView(WorkspaceScreen):
    area = Area.IMPORTS  # the known serials' area: agents and admins
    template_name = "workspace/labels/index.html"
    page_title = "QR codes"
    header_icon = "code"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tenant, params = self.tenant, self.request.GET
        unit, unit_error = None, ""
        if params.get("serial", "").strip():
            try:
                number, url = serial_code(tenant=tenant, serial=params["serial"])
                unit = {"serial": number, "url": url}
            except ApiError:
                unit_error = ("This serial is neither a known serial of the brand nor a registered one, so it has "
                              "no code here. Import it with the known serials first.")
        funnel_params = QueryDict(mutable=True)
        for name in ("from", "to"):
            if params.get(name):
                funnel_params[name] = params[name]
        funnel, funnel_error = None, ""
        try:
            funnel = registration_funnel(tenant=tenant, params=funnel_params)
        except ApiError as error:
            funnel_error = error_text(error)
        products = list(Product.objects.filter(tenant=tenant, is_active=True).order_by("name"))
        context.update(
            products=[{"product": p, "url": codes.product_code_url(tenant.slug, p.id, p.gtin)} for p in products],
            unit=unit, unit_error=unit_error, serial=params.get("serial", ""),
            funnel=funnel, funnel_error=funnel_error, chart=funnel_chart(funnel["groups"]) if funnel else None,
            funnel_from=params.get("from", ""), funnel_to=params.get("to", ""),
            may_make_sheets=self.role == Role.ADMIN,
            sheets=label_jobs_recent(tenant=tenant) if self.role == Role.ADMIN else [],
            layouts=[(name, layout.description) for name, layout in LAYOUTS.items()], default_layout=DEFAULT_LAYOUT,
            working=(LabelSheetJob.Status.QUEUED, LabelSheetJob.Status.RUNNING),
        )
        return context

    def post(self, request, *args, **kwargs):
        """Queue a label sheet through the service the API's `POST .../qr-labels` calls (admins, as there)."""
        if self.role != Role.ADMIN:
            raise PermissionDenied
        data: dict = {"layout": posted(request, "layout") or DEFAULT_LAYOUT}
        sku = posted(request, "sku")
        if sku:
            data |= {"sku": sku, "known_serials": True}
        else:
            data["serials"] = [line.strip() for line in posted(request, "serials", strip=False).splitlines()
                               if line.strip()]
        try:
            job = label_job_create(tenant=self.tenant, user=request.user, data=data)
        except ApiError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, f"Label sheet of {job.total} labels queued; it is listed below until done.")
        return HttpResponseRedirect(reverse("workspace_labels:index") + "#label-sheets")


class _CodeFile(WorkspaceMixin, View):
    """A product's or a unit's QR code as an SVG or PNG file; 404 for what the brand does not have."""

    area = Area.IMPORTS

    def code(self, key: str) -> tuple[str, str]:
        """The URL the code holds and the file's name; ApiError when the brand has no such thing."""
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        if kwargs["fmt"] not in ("svg", "png"):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, key: str, fmt: str):
        try:
            url, filename = self.code(key)
        except ApiError:
            raise Http404 from None
        return codes.qr_response(url, fmt, filename)


class ProductCodeFileView(_CodeFile):
    def code(self, key):
        product, url = product_code(tenant=self.tenant, product_id=key)
        return url, f"qr-{product.sku}"


class SerialCodeFileView(_CodeFile):
    def code(self, key):
        number, url = serial_code(tenant=self.tenant, serial=key)
        return url, f"qr-{number}"


class LabelSheetFileView(WorkspaceMixin, View):
    area = Area.IMPORTS

    def get(self, request, job_id: str):
        if self.role != Role.ADMIN:
            raise PermissionDenied
        try:
            job = label_job_get(tenant=self.tenant, job_id=job_id)
        except ApiError:
            raise Http404 from None
        if job.status != LabelSheetJob.Status.DONE or not job.pdf:
            raise Http404
        response = FileResponse(job.pdf.open("rb"), content_type="application/pdf", as_attachment=True,
                                filename=f"labels-{job.id}.pdf")
        response["Cache-Control"] = "private, no-store"
        return response


class LabelsViewSet(WorkspaceViewSet):
    name = "workspace_labels"
    url_prefix = "qr-codes"
    area = Area.IMPORTS
    icon = "code"
    menu_label = "QR codes"
    menu_name = "qr_codes"
    menu_order = 6

    def get_urlpatterns(self):
        return [
            path("", QrCodesView.as_view(), name="index"),
            path("products/<str:key>.<str:fmt>", ProductCodeFileView.as_view(), name="product_code"),
            path("serials/<str:key>.<str:fmt>", SerialCodeFileView.as_view(), name="serial_code"),
            path("sheets/<str:job_id>.pdf", LabelSheetFileView.as_view(), name="sheet_pdf"),
        ]
