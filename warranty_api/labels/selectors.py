"""Reads of scan to register: the registration funnel (scans -> registrations) per SKU or category."""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from warranty_api.catalog.models import KnownSerial, Product, normalize_serial
from warranty_api.core.exceptions import NotFound, ValidationFailed
from warranty_api.core.params import query_date
from warranty_api.labels import codes
from warranty_api.labels.models import LabelSheetJob, ScanEvent
from warranty_api.tenancy.models import Tenant
from warranty_api.warranties.models import Warranty

FUNNEL_GROUPS = ("sku", "category")


def product_code(*, tenant: Tenant, product_id: str) -> tuple[Product, str]:
    """A product of the brand and the URL its code holds (GS1 Digital Link when it has a GTIN)."""
    product = Product.objects.filter(tenant=tenant, id=product_id).first()
    if product is None:
        raise NotFound()
    return product, codes.product_code_url(tenant.slug, product.id, product.gtin)


def serial_code(*, tenant: Tenant, serial: str) -> tuple[str, str]:
    """A unit's serial as printed (normalised) and the URL its code holds: a known serial of the brand, or a
    registered one; any other is not the brand's to print."""
    number = normalize_serial(serial)
    product_id = (KnownSerial.objects.filter(tenant=tenant, serial_number=number)
                  .values_list("product_id", flat=True).first())
    if product_id is None:
        product_id = (Warranty.objects.filter(tenant=tenant, serial_number=number)
                      .values_list("product_id", flat=True).first())
    if product_id is None:
        raise NotFound()
    gtin = Product.objects.filter(id=product_id).values_list("gtin", flat=True).first() or ""
    return number, codes.serial_code_url(tenant.slug, number, gtin)


def label_job_get(*, tenant: Tenant, job_id: str) -> LabelSheetJob:
    job = LabelSheetJob.objects.filter(tenant=tenant, id=job_id).first()
    if job is None:
        raise NotFound()
    job.tenant = tenant
    return job


def label_jobs_recent(*, tenant: Tenant, limit: int = 20) -> list[LabelSheetJob]:
    return list(LabelSheetJob.objects.filter(tenant=tenant).select_related("product").order_by("-created_at")[:limit])
DEFAULT_DAYS = 30


def _window(params) -> tuple[datetime.date, datetime.date]:
    to = query_date(params, "to") or timezone.localdate()
    start = query_date(params, "from") or to - datetime.timedelta(days=DEFAULT_DAYS - 1)
    if start > to:
        raise ValidationFailed.field("from", "invalid", "`from` must be on or before `to`.")
    return start, to


def _bounds(start: datetime.date, to: datetime.date):
    tz = timezone.get_current_timezone()
    low = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    high = datetime.datetime.combine(to + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return low, high


def registration_funnel(*, tenant: Tenant, params) -> dict:
    """Per group: scans, distinct serials scanned, registrations, registrations of scanned serials, and the
    conversion (the share of scanned serials that were registered), over [from, to] (dates, inclusive).

    Four grouped queries whatever the number of products or scans; products come once, for the labels.
    """
    by = params.get("by") or "sku"
    if by not in FUNNEL_GROUPS:
        raise ValidationFailed.field("by", "invalid_choice", "Group by `sku` or `category`.")
    start, to = _window(params)
    low, high = _bounds(start, to)

    scans = ScanEvent.objects.filter(tenant=tenant, scanned_at__gte=low, scanned_at__lt=high)
    per_product_scans = {
        row["product_id"]: row
        for row in scans.values("product_id").annotate(
            scans=Count("id"), serials=Count("serial_number", distinct=True, filter=~Q(serial_number=""))
        )
    }
    registered = Warranty.objects.filter(tenant=tenant, created_at__gte=low, created_at__lt=high)
    per_product_regs = dict(registered.values("product_id").annotate(n=Count("id")).values_list("product_id", "n"))
    scanned_serial = ScanEvent.objects.filter(
        tenant=tenant, scanned_at__gte=low, scanned_at__lt=high, serial_number=OuterRef("serial_number")
    )
    per_product_from_scans = dict(
        registered.filter(Exists(scanned_serial)).values("product_id").annotate(n=Count("id"))
        .values_list("product_id", "n")
    )

    products = {p.id: p for p in Product.objects.filter(tenant=tenant).select_related("category")}
    groups: dict[str, dict] = {}

    def group_of(product_id):
        product = products.get(product_id)
        if by == "sku":
            key = product.sku if product else ""
            label = product.name if product else "Unknown serials"
        else:
            key = product.category.slug if product else ""
            label = product.category.name if product else "Unknown serials"
        return groups.setdefault(key, {"key": key or None, "name": label, "scans": 0, "serials_scanned": 0,
                                       "registrations": 0, "registrations_from_scans": 0})

    for product_id, row in per_product_scans.items():
        group = group_of(product_id)
        group["scans"] += row["scans"]
        # Serials belong to one product, so per-product distinct counts add up within a category.
        group["serials_scanned"] += row["serials"]
    for product_id, n in per_product_regs.items():
        group_of(product_id)["registrations"] += n
    for product_id, n in per_product_from_scans.items():
        group_of(product_id)["registrations_from_scans"] += n
    rows = sorted(groups.values(), key=lambda g: (-g["scans"], -g["registrations"], g["key"] or "~"))
    for group in rows:
        scanned = group["serials_scanned"]
        group["conversion"] = round(group["registrations_from_scans"] / scanned, 4) if scanned else None
    return {"by": by, "from": start.isoformat(), "to": to.isoformat(), "groups": rows}
