"""Tenant-scoped reads of warranties: a customer's own, and the admin list with its filters."""

from __future__ import annotations

import datetime

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from warranty_api.accounts.customers import Customer
from warranty_api.accounts.models import User
from warranty_api.catalog.models import normalize_serial
from warranty_api.catalog.selectors import product_image_renditions
from warranty_api.core.emails import normalize_email
from warranty_api.core.exceptions import NotFound, ValidationFailed
from warranty_api.core.params import query_date
from warranty_api.tenancy.models import Tenant
from warranty_api.warranties.models import Warranty, WarrantyEvent

_BASE_RELATED = ("product__category", "product__image")
_PRODUCT_IMAGE = "product__image__renditions"
ADMIN_SORTS = {
    "created_at": ("created_at", "id"),
    "-created_at": ("-created_at", "-id"),
    "purchase_date": ("purchase_date", "id"),
    "-purchase_date": ("-purchase_date", "-id"),
    "warranty_end": ("warranty_end", "id"),
    "-warranty_end": ("-warranty_end", "-id"),
}
STATUS_FILTERS = ("active", "expired", "void", "transferred", "pending_verification")


def customer_warranty_list(*, tenant: Tenant, user: User) -> QuerySet[Warranty]:
    return (
        Warranty.objects.filter(tenant=tenant, owner=user)
        .select_related(*_BASE_RELATED)
        .prefetch_related(product_image_renditions(_PRODUCT_IMAGE))
    )


def customer_warranty_get(*, tenant: Tenant, user: User, warranty_id: str) -> Warranty:
    warranty = customer_warranty_list(tenant=tenant, user=user).filter(id=warranty_id).first()
    if warranty is None:
        raise NotFound()
    return warranty




def warranty_contact(warranty: Warranty) -> dict:
    """Who a warranty's customer is and where they are: what a fulfillment ships to, and the name its emails use.

    The warranty's own registration details (anyone may register a fresh serial with any email, so the record
    the email shares must not decide), unless the verified owner set their record's details since it was
    registered: then those come first. Each field is taken from the first of the two that has it, the verified
    owner's record counting only when it is the owner's (`owner_contact_at`, set by the account alone).
    """
    record = warranty.customer
    own = {"name": warranty.contact_name, "phone": warranty.contact_phone, "address": warranty.contact_address}
    sources = [own]
    if record.owner_contact_at is not None and record.account_id is not None and record.account_id == warranty.owner_id:
        owners = {"name": record.name, "phone": record.phone, "address": record.address}
        sources = [owners, own] if record.owner_contact_at > warranty.created_at else [own, owners]
    contact = {"email": record.email}
    for field in ("name", "phone", "address"):
        contact[field] = next((source[field] for source in sources if source[field]), own[field])
    return contact


def admin_warranty_list(*, tenant: Tenant, params, today: datetime.date | None = None) -> tuple[QuerySet[Warranty], tuple]:
    """The admin list: filters of issue 3, and the ordering for the cursor. Every filter is an indexed query."""
    today = today or timezone.localdate()
    qs = (
        Warranty.objects.filter(tenant=tenant)
        .select_related(*_BASE_RELATED, "customer", "owner")
        .prefetch_related(product_image_renditions(_PRODUCT_IMAGE))
    )

    status = params.get("status")
    if status:
        if status not in STATUS_FILTERS:
            raise ValidationFailed.field("status", "invalid_choice", f"status must be one of {', '.join(STATUS_FILTERS)}.")
        if status == "expired":
            qs = qs.filter(status=Warranty.Status.ACTIVE, warranty_end__lt=today)
        elif status == "active":
            qs = qs.filter(status=Warranty.Status.ACTIVE, warranty_end__gte=today)
        else:
            qs = qs.filter(status=status)
    if params.get("product"):
        qs = qs.filter(product_id=params["product"])
    if params.get("category"):
        qs = qs.filter(product__category__slug=params["category"])
    verification = params.get("verification")
    if verification:
        if verification not in Warranty.Verification.values:
            raise ValidationFailed.field("verification", "invalid_choice", "Unknown verification state.")
        qs = qs.filter(verification=verification)

    q = (params.get("q") or "").strip()
    if q:
        if "@" in q:
            # Exact email: resolve the one customer record first, so the page is an indexed lookup by customer.
            customer_id = Customer.objects.filter(tenant=tenant, email=normalize_email(q)).values_list("id", flat=True).first()
            qs = qs.filter(customer_id=customer_id) if customer_id else qs.none()
        else:
            qs = qs.filter(serial_number__startswith=normalize_serial(q))

    for name, lookup in (
        ("registered_from", "created_at__date__gte"),
        ("registered_to", "created_at__date__lte"),
        ("purchased_from", "purchase_date__gte"),
        ("purchased_to", "purchase_date__lte"),
    ):
        value = query_date(params, name)
        if value is not None:
            if lookup.startswith("created_at"):
                # A range on the timestamp itself (not its date) keeps the created_at index usable.
                bound = datetime.datetime.combine(value, datetime.time.min, tzinfo=datetime.UTC)
                qs = qs.filter(
                    Q(created_at__gte=bound) if name.endswith("from") else Q(created_at__lt=bound + datetime.timedelta(days=1))
                )
            else:
                qs = qs.filter(**{lookup: value})

    sort = params.get("sort") or "-created_at"
    if sort not in ADMIN_SORTS:
        raise ValidationFailed.field("sort", "invalid_choice", f"sort must be one of {', '.join(ADMIN_SORTS)}.")
    return qs, ADMIN_SORTS[sort]


def admin_warranty_get(*, tenant: Tenant, warranty_id: str, with_events: bool = False) -> Warranty:
    qs = (
        Warranty.objects.filter(tenant=tenant, id=warranty_id)
        .select_related(*_BASE_RELATED, "customer", "owner")
        .prefetch_related(product_image_renditions(_PRODUCT_IMAGE))
    )
    if with_events:
        qs = qs.prefetch_related(Prefetch("events", queryset=WarrantyEvent.objects.select_related("actor")))
    warranty = qs.first()
    if warranty is None:
        raise NotFound()
    return warranty


def receipts_of_owned_warranties(tenant: Tenant, user: User) -> Q:
    """The uploads attached as the proof of purchase of a warranty `user` owns: theirs to see, even when
    uploaded anonymously (added to media's rules of what a customer sees, `media_customer_path_add`)."""
    return Q(
        attached_at__isnull=False,
        pk__in=Warranty.objects.filter(tenant=tenant, owner=user, proof_of_purchase__isnull=False).values(
            "proof_of_purchase"
        ),
    )


def owned_warranty_count(*, tenant: Tenant, user: User) -> int:
    """How many of the brand's warranties the account owns (its `auth/me` answer's `warranty_count`)."""
    return Warranty.objects.filter(tenant=tenant, owner=user).count()
