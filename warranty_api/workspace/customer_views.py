"""The support desk's customer screens in Wagtail's admin: the brand's customers and accounts, searched by email or
name, and a customer's detail with their warranties and claims, where staff correct a contact detail.

Every change goes through the warranty service, which writes the warranty's audit event.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.base import BaseListingView

from warranty_api.accounts.customers import ADDRESS_KEYS, Customer
from warranty_api.accounts.models import User
from warranty_api.claims.models import Claim
from warranty_api.core.exceptions import ApiError
from warranty_api.warranties.models import Warranty
from warranty_api.warranties.services import warranty_contact_correct
from warranty_api.workspace.menu import WorkspaceViewSet
from warranty_api.workspace.permissions import Area
from warranty_api.workspace.views import WorkspaceMixin, WorkspaceScreen

ADDRESS_LABELS = {"street": "Street", "street2": "Street (2nd line)", "city": "City", "state": "State / region",
                  "zip": "Postcode", "country": "Country"}


def _count_of(model, key: str):
    """A per-customer count as one subquery, so the list's query count stays flat whatever the page size."""
    rows = model.objects.filter(**{key: OuterRef("pk")}).order_by().values(key).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows[:1]), 0)


class CustomerListView(WorkspaceMixin, BaseListingView):
    area = Area.CUSTOMERS
    page_title = "Customers"
    header_icon = "group"
    template_name = "workspace/customers/index.html"
    results_template_name = "workspace/customers/index_results.html"
    index_url_name = "workspace_customers:index"
    index_results_url_name = "workspace_customers:index_results"
    is_searchable = True
    paginate_by = 25
    verbose_name = "customer"
    verbose_name_plural = "customers"
    columns = [Column(name, label=label) for name, label in (
        ("email", "Email"), ("name", "Name"), ("account", "Account"), ("warranties", "Warranties"),
        ("claims", "Claims"), ("since", "Customer since"))]

    def get_page_subtitle(self):
        return self.tenant.name

    def get_queryset(self):
        queryset = self.scoped(Customer.objects).select_related("account").annotate(
            warranty_count=_count_of(Warranty, "customer"),
            claim_count=_count_of(Claim, "warranty__customer"),
            # An account not verified yet is not linked to the record; the same email names it.
            has_account=Exists(User.objects.filter(tenant=self.tenant, email__iexact=OuterRef("email"))),
        )
        query = (self.request.GET.get("q") or "").strip()
        if query:
            queryset = queryset.filter(Q(email__icontains=query) | Q(name__icontains=query)
                                       | Q(account__full_name__icontains=query))
        return queryset.order_by("email", "id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        detail = reverse("workspace_customers:detail", args=["CUS"])
        context["customer_rows"] = [{
            "url": detail.replace("CUS", c.id), "email": c.email, "name": c.name or "—",
            "account": "linked" if c.account_id else ("not linked yet" if c.has_account else "none"),
            "warranties": c.warranty_count, "claims": c.claim_count,
            "since": date_format(timezone.localtime(c.created_at), "DATE_FORMAT"),
        } for c in context["object_list"]]
        return context


class CustomerDetailView(WorkspaceScreen):
    area = Area.CUSTOMERS
    template_name = "workspace/customers/detail.html"
    header_icon = "user"
    parents = (("workspace_customers:index", "Customers"),)

    @cached_property
    def customer(self) -> Customer:
        return self.scoped_get(Customer.objects.select_related("account"), id=self.kwargs["customer_id"])

    def get_page_title(self):
        return f"Customer {self.customer.email}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        customer = self.customer
        # An account whose email is not verified yet is not linked to the record; the same email names it.
        account = customer.account or User.objects.filter(tenant=self.tenant, email__iexact=customer.email).first()
        warranties = list(self.scoped(Warranty.objects).filter(customer=customer)
                          .select_related("product").order_by("-created_at"))
        correctable = [w for w in warranties if w.status != Warranty.Status.TRANSFERRED]
        posted = kwargs.get("posted")
        chosen = posted.get("warranty") if posted else (correctable[0].id if correctable else "")
        form_source = next((w for w in correctable if w.id == chosen), None)
        context.update(
            customer=customer, account=account, warranties=warranties, correctable=correctable,
            claims=list(self.scoped(Claim.objects).filter(warranty__customer=customer)
                        .select_related("warranty").order_by("-created_at")),
            address_rows=[(key, ADDRESS_LABELS[key], customer.address.get(key, "")) for key in ADDRESS_KEYS
                          if customer.address.get(key)],
            form={"warranty": chosen,
                  "name": posted.get("name", "") if posted else (form_source.contact_name if form_source else ""),
                  "phone": posted.get("phone", "") if posted else (form_source.contact_phone if form_source else ""),
                  "note": posted.get("note", "") if posted else ""},
            form_address=[(key, ADDRESS_LABELS[key],
                           posted.get(f"address_{key}", "") if posted
                           else (form_source.contact_address.get(key, "") if form_source else ""))
                          for key in ADDRESS_KEYS],
            error=kwargs.get("error"),
        )
        return context

    def post(self, request, *args, **kwargs):
        customer = self.customer
        warranty = self.scoped(Warranty.objects).filter(customer=customer, id=request.POST.get("warranty", "")).first()
        if warranty is None:
            raise Http404
        changes = {"phone": request.POST.get("phone", ""),
                   "address": {key: request.POST.get(f"address_{key}", "") for key in ADDRESS_KEYS}}
        name = request.POST.get("name", "")
        # A registration may have come without a name; leaving it blank then is no correction, not an error.
        if name.strip() or warranty.contact_name:
            changes["name"] = name
        try:
            warranty_contact_correct(tenant=self.tenant, warranty_id=warranty.id, actor=request.user,
                                     changes=changes, note=request.POST.get("note", ""))
        except ApiError as error:
            text = " ".join(dict.fromkeys(
                [error.message, *(i["message"] for v in (error.fields or {}).values() for i in v)]))
            return self.render_to_response(self.get_context_data(posted=request.POST, error=text),
                                           status=error.status_code)
        messages.success(request, f"Contact details of warranty {warranty.serial_number} corrected.")
        return HttpResponseRedirect(reverse("workspace_customers:detail", args=[customer.id]))


class CustomersViewSet(WorkspaceViewSet):
    name = "workspace_customers"
    url_prefix = "customers"
    area = Area.CUSTOMERS
    icon = "group"
    menu_label = "Customers"
    menu_name = "customers"
    menu_order = 5

    def get_urlpatterns(self):
        return [
            path("", CustomerListView.as_view(), name="index"),
            path("results/", CustomerListView.as_view(results_only=True), name="index_results"),
            path("<str:customer_id>/", CustomerDetailView.as_view(), name="detail"),
        ]
