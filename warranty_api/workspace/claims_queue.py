"""Reads of the support desk's claim queue in the admin: its filters, its search, its counts per status."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Count, Q, QuerySet
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet

from warranty_api.accounts.customers import Customer
from warranty_api.accounts.models import User
from warranty_api.catalog.models import Category, Product, normalize_serial
from warranty_api.claims.models import Claim
from warranty_api.core.emails import normalize_email
from warranty_api.tenancy.models import Membership, Tenant
from warranty_api.warranties.models import Warranty

# A claim reference (RI-1001) may look like a serial number, so both are tried.
_REFERENCE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
# The filters that pick statuses: the tabs' counts ignore them, so each tab shows what clicking it would list.
STATUS_FILTERS = ("status", "waiting_on_customer")


def claim_search(q: str, *, tenant: Tenant) -> Q:
    """A claim id or reference, a serial number, or the customer's email or name: each matched exactly (the
    name without regard to case).

    The warranties and accounts a serial, email or name stands for are found first by their own indexes, so the
    claim query is a lookup on the claim table's keys: an OR across the joined tables would scan the queue."""
    q = q.strip()
    if q.startswith("clm_"):
        return Q(id=q)
    warranties = Warranty.objects.filter(tenant=tenant)
    if "@" in q:
        email = normalize_email(q)
        customers = Customer.objects.filter(tenant=tenant, email=email).values("id")
        accounts = User.objects.filter(tenant=tenant, email=email).values_list("id", flat=True)
        return (Q(warranty_id__in=list(warranties.filter(customer_id__in=customers).values_list("id", flat=True)))
                | Q(submitted_by_id__in=list(accounts)))
    warranty_ids = list(warranties.filter(serial_number=normalize_serial(q)).values_list("id", flat=True))
    if not any(ch.isdigit() for ch in q):
        named = Customer.objects.filter(tenant=tenant, name__iexact=q).values("id")
        warranty_ids += list(warranties.filter(customer_id__in=named).values_list("id", flat=True)[:1000])
    match = Q(warranty_id__in=warranty_ids)
    if set(q.upper()) <= _REFERENCE_CHARS and "-" in q:
        match |= Q(reference=q.upper())
    return match


def brand_staff(tenant: Tenant) -> QuerySet[User]:
    """Who a claim may be assigned to: the brand's accepted, active staff."""
    members = Membership.objects.filter(tenant=tenant, is_active=True, accepted_at__isnull=False).values("user_id")
    return User.objects.filter(id__in=members, is_active=True).order_by("email")


class ClaimQueueFilterSet(WagtailFilterSet):
    """The queue's filters; choices (issue types, products, staff) are the current brand's."""

    # distinct=False: django-filter's default SELECT DISTINCT over the joined rows made a status tab a full sort.
    status = django_filters.MultipleChoiceFilter(choices=Claim.Status.choices, widget=forms.CheckboxSelectMultiple,
                                                 distinct=False)
    waiting_on_customer = django_filters.BooleanFilter(
        label="Waiting on the customer", method="filter_waiting",
        widget=forms.RadioSelect(choices=[("", "Any"), ("true", "Yes"), ("false", "No")]),
    )
    issue_type = django_filters.MultipleChoiceFilter(choices=(), widget=forms.CheckboxSelectMultiple, distinct=False)
    assignee = django_filters.ChoiceFilter(choices=(), method="filter_assignee", empty_label="Anyone",
                                           widget=forms.RadioSelect)
    product = django_filters.ModelChoiceFilter(field_name="warranty__product", queryset=Product.objects.none(),
                                               empty_label="Any product")
    category = django_filters.ModelChoiceFilter(field_name="warranty__product__category",
                                                queryset=Category.objects.none(), empty_label="Any category")
    created = django_filters.DateFromToRangeFilter(field_name="created_at", label="Filed between",
                                                   widget=DateRangePickerWidget)

    class Meta:
        model = Claim
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, tenant: Tenant):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.tenant = tenant
        self.filters["issue_type"].extra["choices"] = [(t["code"], t.get("label", t["code"])) for t in tenant.issue_types]
        self.filters["assignee"].extra["choices"] = [("me", "Me"), ("none", "Unassigned")] + [
            (user.public_id, user.full_name or user.email) for user in brand_staff(tenant)
        ]
        self.filters["product"].queryset = Product.objects.filter(tenant=tenant).order_by("name")
        self.filters["category"].queryset = Category.objects.filter(tenant=tenant).order_by("name")

    def filter_waiting(self, queryset, name, value):
        if value is None:
            return queryset
        if value:
            return queryset.filter(status=Claim.Status.INFO_REQUESTED)
        return queryset.exclude(status=Claim.Status.INFO_REQUESTED)

    def filter_assignee(self, queryset, name, value):
        if value == "me":
            return queryset.filter(assignee=self.request.user)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value:
            return queryset.filter(assignee__public_id=value)
        return queryset

    def filter_queryset_except(self, queryset, skip: tuple[str, ...]):
        """Every valid filter but `skip` (the tabs' counts are taken this way)."""
        for name, value in self.form.cleaned_data.items():
            if name not in skip:
                queryset = self.filters[name].filter(queryset, value)
        return queryset


def status_counts(queryset: QuerySet[Claim]) -> dict[str, int]:
    """The number of claims per status, in one GROUP BY (the queue's index covers it)."""
    counts = dict.fromkeys(Claim.Status.values, 0)
    counts.update(dict(queryset.order_by().values_list("status").annotate(n=Count("*"))))
    return counts


def dashboard_counts(*, tenant: Tenant, user: User) -> dict:
    """The dashboard panel: claims per status, and the open claims assigned to this person, per status."""
    claims = Claim.objects.filter(tenant=tenant)
    mine = status_counts(claims.filter(assignee=user, status__in=Claim.OPEN_STATUSES))
    return {"all": status_counts(claims), "mine": mine, "mine_open": sum(mine.values())}
