"""The support desk's warranty screens in Wagtail's admin: list and search, and the detail with its audit trail,
Shopify verification and staff override, void and reinstate, notes, transfers and claims.

Reads go through the warranty selectors the API's admin endpoints use; every change through the warranty and
verification services.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.base import BaseListingView

from warranty_api.catalog.models import Product
from warranty_api.claims.models import Claim
from warranty_api.core.exceptions import ApiError
from warranty_api.verification.services import purchase_verification_override, purchase_verification_retry
from warranty_api.warranties.models import Warranty, WarrantyTransfer
from warranty_api.warranties.selectors import STATUS_FILTERS, admin_warranty_get, admin_warranty_list
from warranty_api.warranties.services import warranty_admin_update
from warranty_api.workspace.menu import WorkspaceViewSet
from warranty_api.workspace.permissions import Area
from warranty_api.workspace.views import WorkspaceMixin, WorkspaceScreen


class WarrantyFilterSet(WagtailFilterSet):
    """The filter form; its field names are the warranty selector's parameters, which does the filtering."""

    status = django_filters.ChoiceFilter(choices=[(s, s.replace("_", " ").capitalize()) for s in STATUS_FILTERS],
                                         empty_label="Any status", widget=forms.RadioSelect)
    product = django_filters.ChoiceFilter(choices=(), empty_label="Any product")
    verification = django_filters.ChoiceFilter(choices=Warranty.Verification.choices, empty_label="Any")
    registered = django_filters.DateFromToRangeFilter(label="Registered between", widget=DateRangePickerWidget)
    purchased = django_filters.DateFromToRangeFilter(label="Purchased between", widget=DateRangePickerWidget)

    class Meta:
        model = Warranty
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, tenant):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.filters["product"].extra["choices"] = list(
            Product.objects.filter(tenant=tenant).order_by("name").values_list("id", "name"))


class WarrantyListView(WorkspaceMixin, BaseListingView):
    area = Area.WARRANTIES
    page_title = "Warranties"
    header_icon = "doc-full"
    template_name = "workspace/warranties/index.html"
    results_template_name = "workspace/warranties/index_results.html"
    index_url_name = "workspace_warranties:index"
    index_results_url_name = "workspace_warranties:index_results"
    is_searchable = True
    paginate_by = 25
    filterset_class = WarrantyFilterSet
    verbose_name = "warranty"
    verbose_name_plural = "warranties"
    columns = [Column(name, label=label) for name, label in (
        ("serial", "Serial"), ("product", "Product"), ("customer", "Customer"), ("status", "Status"),
        ("verification", "Shopify check"), ("term", "Term"), ("registered", "Registered"))]

    def get_page_subtitle(self):
        return self.tenant.name

    def get_filterset_kwargs(self):
        return {**super().get_filterset_kwargs(), "tenant": self.tenant}

    def get_queryset(self):
        self.refusal = ""
        try:
            queryset, ordering = admin_warranty_list(tenant=self.tenant, params=self.request.GET)
        except ApiError as error:
            self.refusal = " ".join([error.message, *(i["message"] for v in (error.fields or {}).values() for i in v)])
            return Warranty.objects.none()
        return queryset.order_by(*ordering)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        detail = reverse("workspace_warranties:detail", args=["WTY"])
        context["warranty_rows"] = [{
            "url": detail.replace("WTY", w.id), "serial": w.serial_number, "product": w.product.name,
            "customer": w.customer.email,
            "status": "Expired" if w.status == Warranty.Status.ACTIVE and w.warranty_end < today else w.get_status_display(),
            "verification": w.get_verification_display(),
            "term": f"{date_format(w.warranty_start)} to {date_format(w.warranty_end)}",
            "registered": date_format(timezone.localtime(w.created_at), "DATE_FORMAT"),
        } for w in context["object_list"]]
        context["refusal"] = self.refusal
        return context


class WarrantyDetailView(WorkspaceScreen):
    area = Area.WARRANTIES
    template_name = "workspace/warranties/detail.html"
    header_icon = "doc-full"
    parents = (("workspace_warranties:index", "Warranties"),)
    _ACTIONS = ("void", "reinstate", "notes", "verify", "reject", "recheck")

    @cached_property
    def warranty(self) -> Warranty:
        try:
            return admin_warranty_get(tenant=self.tenant, warranty_id=self.kwargs["warranty_id"], with_events=True)
        except ApiError:
            raise Http404 from None

    def get_page_title(self):
        return f"Warranty {self.warranty.serial_number}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        warranty = self.warranty
        context.update(
            warranty=warranty,
            expired=warranty.status == Warranty.Status.ACTIVE and warranty.warranty_end < timezone.localdate(),
            events=list(warranty.events.all()),
            transfers=list(WarrantyTransfer.objects.filter(tenant=self.tenant, warranty=warranty)
                           .select_related("from_user", "new_warranty").order_by("created_at")),
            claims=list(Claim.objects.filter(tenant=self.tenant, warranty=warranty).order_by("-created_at")),
            open_for_override=warranty.status not in (Warranty.Status.VOID, Warranty.Status.TRANSFERRED),
            verification_on=self.tenant.verification != "off",
            posted=kwargs.get("posted", {}),
            error=kwargs.get("error"),
        )
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action", "")
        if action not in self._ACTIONS:
            raise Http404
        warranty_id = self.warranty.id
        note = request.POST.get("note", "")
        tenant, actor = self.tenant, request.user
        try:
            if action == "void":
                warranty_admin_update(tenant=tenant, warranty_id=warranty_id, actor=actor,
                                      changes={"status": "void", "void_reason": request.POST.get("void_reason", "")})
                done = "The warranty is void."
            elif action == "reinstate":
                warranty_admin_update(tenant=tenant, warranty_id=warranty_id, actor=actor,
                                      changes={"status": "active", "note": note})
                done = "The warranty is active again."
            elif action == "notes":
                warranty_admin_update(tenant=tenant, warranty_id=warranty_id, actor=actor,
                                      changes={"notes": request.POST.get("notes", "")})
                done = "Notes saved."
            elif action in ("verify", "reject"):
                purchase_verification_override(tenant=tenant, warranty_id=warranty_id, actor=actor, note=note,
                                               decision="verified" if action == "verify" else "rejected")
                done = "Purchase marked verified." if action == "verify" else "Purchase rejected; the warranty is void."
            else:
                purchase_verification_retry(tenant=tenant, warranty_id=warranty_id, actor=actor)
                done = "The Shopify check will run again."
        except ApiError as error:
            del self.__dict__["warranty"]
            text = " ".join(dict.fromkeys(
                [error.message, *(i["message"] for v in (error.fields or {}).values() for i in v)]))
            return self.render_to_response(self.get_context_data(posted=request.POST, error=text),
                                           status=error.status_code)
        messages.success(request, done)
        return HttpResponseRedirect(reverse("workspace_warranties:detail", args=[warranty_id]))


class WarrantiesViewSet(WorkspaceViewSet):
    name = "workspace_warranties"
    url_prefix = "warranties"
    area = Area.WARRANTIES
    icon = "doc-full"
    menu_label = "Warranties"
    menu_name = "warranties"
    menu_order = 3

    def get_urlpatterns(self):
        return [
            path("", WarrantyListView.as_view(), name="index"),
            path("results/", WarrantyListView.as_view(results_only=True), name="index_results"),
            path("<str:warranty_id>/", WarrantyDetailView.as_view(), name="detail"),
        ]
