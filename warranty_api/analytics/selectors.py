"""Tenant-scoped reads of analytics: failure rates by a dimension, and claim cycle times by period."""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, F, IntegerField, Sum, When
from django.utils import timezone

from warranty_api.analytics.models import (
    AnalyticsRefresh,
    FailureClaimCell,
    FailureKnownCell,
    FailureSummary,
    FailureUnitCell,
)
from warranty_api.analytics.services import failure_cells_refresh
from warranty_api.catalog.imports.models import SerialImportJob
from warranty_api.catalog.models import Category, Product
from warranty_api.claims.models import Claim
from warranty_api.core.exceptions import ValidationFailed
from warranty_api.core.params import query_choices, query_date
from warranty_api.tenancy.models import Tenant

DIMENSIONS = ("sku", "category", "manufactured_month", "purchase_month", "import_batch")
# The cell column each dimension groups by; sku and category group by product and are named afterwards.
_COLUMN = {
    "sku": "product_id",
    "category": "product_id",
    "manufactured_month": "manufactured_month",
    "purchase_month": "purchase_month",
    "import_batch": "import_batch",
}
Z95 = 1.959963984540054  # the normal quantile of a two-sided 95% interval


def wilson_interval(successes: int, trials: int, z: float = Z95) -> tuple[float, float] | tuple[None, None]:
    """The Wilson score interval of a proportion; more claims than units (a unit claimed twice) counts as p = 1."""
    if trials <= 0:
        return None, None
    x = min(successes, trials)
    p = x / trials
    z2 = z * z
    denominator = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def weighted_median(histogram: dict[int, int]) -> float | None:
    """The median of values given as {value: count}; the mean of the two middle values when the count is even."""
    total = sum(histogram.values())
    if total == 0:
        return None
    ordered = sorted(histogram.items())

    def nth(n: int) -> int:  # the n-th value, from 0
        seen = 0
        for value, count in ordered:
            seen += count
            if n < seen:
                return value
        return ordered[-1][0]

    if total % 2:
        return float(nth(total // 2))
    return (nth(total // 2 - 1) + nth(total // 2)) / 2


@dataclass
class _Group:
    units_registered: int = 0
    units_known: int = 0
    claims: int = 0
    approved: int = 0
    by_issue: dict[str, int] = field(default_factory=dict)
    first_days: dict[int, int] = field(default_factory=dict)

    def add(self, other: _Group) -> None:
        self.units_registered += other.units_registered
        self.units_known += other.units_known
        self.claims += other.claims
        self.approved += other.approved
        for key, value in other.by_issue.items():
            self.by_issue[key] = self.by_issue.get(key, 0) + value
        for key, value in other.first_days.items():
            self.first_days[key] = self.first_days.get(key, 0) + value


@dataclass
class FailureRateParams:
    by: str
    date_from: datetime.date | None
    date_to: datetime.date | None
    issue_types: list[str] | None
    min_units: int


def failure_rate_params(*, tenant: Tenant, params) -> FailureRateParams:
    by = params.get("by") or "sku"
    if by not in DIMENSIONS:
        raise ValidationFailed.field("by", "invalid_choice", f"by is one of: {', '.join(DIMENSIONS)}.")
    date_from, date_to = query_date(params, "from"), query_date(params, "to")
    if date_from and date_to and date_from > date_to:
        raise ValidationFailed.field("to", "invalid", "to must be on or after from.")
    raw = params.get("min_units") or "0"
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        raise ValidationFailed.field("min_units", "invalid", "min_units must be a whole number.")
    return FailureRateParams(by, date_from, date_to, query_choices(params, "issue_type", tenant.issue_type_codes),
                             int(raw))


def analytics_freshness(*, tenant: Tenant) -> AnalyticsRefresh:
    """The tenant's last rebuild of the cells; a brand never rebuilt is rebuilt now, so its first answer is exact."""
    refresh = AnalyticsRefresh.objects.filter(tenant=tenant).first()
    if refresh is None:
        refresh = failure_cells_refresh(tenant=tenant)
    return refresh


def failure_rates(*, tenant: Tenant, params) -> tuple[list[dict], dict]:
    """One row per group of the `by` dimension, with every figure of the failure-rate table, and its meta.

    Without a purchase window and with at most one issue type, the table was computed when the cells were rebuilt
    (one row read); otherwise it is summed from the cells now.
    """
    p = failure_rate_params(tenant=tenant, params=params)
    refresh = analytics_freshness(tenant=tenant)
    rows = None
    if p.date_from is None and p.date_to is None and (not p.issue_types or len(p.issue_types) == 1):
        stored = FailureSummary.objects.filter(tenant=tenant, by=p.by,
                                               issue_type=(p.issue_types or [""])[0]).first()
        rows = stored.rows if stored is not None else None
    if rows is None:
        rows = failure_rate_table(tenant=tenant, by=p.by, date_from=p.date_from, date_to=p.date_to,
                                  issue_types=p.issue_types)
    threshold = float(Decimal(tenant.failure_rate_alert_percent) / 100)
    rows = [{**row, "flag": bool(row["rate_low"] is not None and row["rate_low"] > threshold)}
            for row in rows if row["units_registered"] >= p.min_units]
    meta = {
        "by": p.by,
        "as_of": refresh.refreshed_at,
        "refresh_minutes": settings.AFTERSALE_ANALYTICS_REFRESH_MINUTES,
        "alert_threshold": threshold,
        "confidence": 0.95,
    }
    return rows, meta


def failure_rate_table(*, tenant: Tenant, by: str, date_from=None, date_to=None, issue_types=None) -> list[dict]:
    """The table summed from the cells, sorted by key (the group with no key last); `flag` is left to the reader."""
    column = _COLUMN[by]
    dated = {}
    if date_from:
        dated["purchase_date__gte"] = date_from
    if date_to:
        dated["purchase_date__lte"] = date_to
    groups: dict[str, _Group] = defaultdict(_Group)
    units = FailureUnitCell.objects.filter(tenant=tenant, **dated).values(column).annotate(n=Sum("units")).order_by()
    for row in units:
        groups[row[column]].units_registered = row["n"]
    claim_cells = FailureClaimCell.objects.filter(tenant=tenant, **dated)
    if issue_types:
        claim_cells = claim_cells.filter(issue_type__in=issue_types)
    approved = Sum(Case(When(approved=True, then=F("claims")), default=0, output_field=IntegerField()))
    for row in claim_cells.values(column, "issue_type").annotate(n=Sum("claims"), a=approved).order_by():
        group = groups[row[column]]
        group.claims += row["n"]
        group.approved += row["a"]
        group.by_issue[row["issue_type"]] = row["n"]
    # With an issue type chosen, the median is of the first claim of that type; otherwise of the unit's first.
    # (Several types: a unit's first claim of each of them.)
    weight = "first_of_type" if issue_types else "first_claims"
    for row in (claim_cells.values(column, "days_to_claim").annotate(n=Sum(weight)).filter(n__gt=0).order_by()):
        groups[row[column]].first_days[row["days_to_claim"]] = row["n"]
    known_by_group = by != "purchase_month"
    if known_by_group:
        for row in FailureKnownCell.objects.filter(tenant=tenant).values(column).annotate(n=Sum("units")).order_by():
            groups[row[column]].units_known = row["n"]
    labels = _labels(tenant=tenant, by=by, keys=list(groups))
    if by == "category":
        merged: dict[str, _Group] = defaultdict(_Group)
        for product_id, group in groups.items():
            merged[labels[product_id][0]].add(group)
        groups = merged
        labels = {slug: (slug, name) for slug, name in Category.objects.filter(tenant=tenant).values_list("slug", "name")}
    rows = [_row(key, labels.get(key, (key, key)), group, known_by_group, tenant) for key, group in groups.items()]
    rows.sort(key=lambda row: (row["key"] is None, row["key"] or ""))
    return rows


def _row(key, label, group: _Group, known_by_group: bool, tenant: Tenant) -> dict:
    n, x = group.units_registered, group.claims
    low, high = wilson_interval(x, n)
    issue_codes = tenant.issue_type_codes
    by_issue = {code: group.by_issue.get(code, 0) for code in issue_codes}
    by_issue.update({code: count for code, count in group.by_issue.items() if code not in by_issue})
    return {
        # Units whose serial is not known (or has no date) form one group with no key.
        "key": label[0] if key else None,
        "label": label[1] if key else "Not known",
        "units_known": group.units_known if known_by_group else None,
        "units_registered": n,
        "claims": x,
        "approved_claims": group.approved,
        "rate": x / n if n else None,
        "rate_low": low,
        "rate_high": high,
        "rate_known": x / group.units_known if known_by_group and group.units_known else None,
        "claims_by_issue_type": by_issue,
        "median_days_to_first_claim": weighted_median(group.first_days),
    }


def _labels(*, tenant: Tenant, by: str, keys: list[str]) -> dict[str, tuple[str, str]]:
    """What each group is called: a product's (sku, name) or (category slug, name), a batch's file name."""
    if by in ("sku", "category"):
        products = Product.objects.filter(tenant=tenant, id__in=keys).select_related("category")
        if by == "sku":
            return {p.id: (p.sku, p.name) for p in products}
        return {p.id: (p.category.slug, p.category.name) for p in products}
    if by == "import_batch":
        names = dict(SerialImportJob.objects.filter(tenant=tenant, id__in=keys).values_list("id", "original_name"))
        return {key: (key, names.get(key) or key) for key in keys}
    return {key: (key, key) for key in keys}


# --- claim cycle times -----------------------------------------------------------------------------------

PERIODS = ("week", "month")
_DEFAULT_PERIODS = 12


def percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between the closest ranks (numpy's default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _period_start(day: datetime.date, period: str) -> datetime.date:
    if period == "week":
        return day - datetime.timedelta(days=day.weekday())
    return day.replace(day=1)


def _period_key(start: datetime.date, period: str) -> str:
    if period == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    return start.strftime("%Y-%m")


def _next_period(start: datetime.date, period: str) -> datetime.date:
    if period == "week":
        return start + datetime.timedelta(days=7)
    return (start.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def claim_cycle_times(*, tenant: Tenant, params, today: datetime.date | None = None) -> tuple[list[dict], dict]:
    """Per week or month of filing: claims by status, and p50/p90 hours to first response, decision, resolution."""
    period = params.get("period") or "week"
    if period not in PERIODS:
        raise ValidationFailed.field("period", "invalid_choice", "period is week or month.")
    today = today or timezone.localdate()
    date_to = query_date(params, "to") or today
    date_from = query_date(params, "from")
    if date_from is None:
        date_from = _period_start(date_to, period)
        for _ in range(_DEFAULT_PERIODS - 1):
            date_from = _period_start(date_from - datetime.timedelta(days=1), period)
    if date_from > date_to:
        raise ValidationFailed.field("to", "invalid", "to must be on or after from.")
    start = _period_start(date_from, period)
    since = datetime.datetime.combine(start, datetime.time.min, tzinfo=datetime.UTC)
    until = datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=datetime.UTC)
    buckets: dict[datetime.date, dict] = {}
    cursor = start
    while cursor <= date_to:
        buckets[cursor] = {"counts": dict.fromkeys(Claim.Status.values, 0), "first_response": [], "decision": [],
                           "resolution": []}
        cursor = _next_period(cursor, period)
    rows = Claim.objects.filter(tenant=tenant, created_at__gte=since, created_at__lt=until).values_list(
        "created_at", "status", "first_responded_at", "decided_at", "resolved_at"
    )
    for created, status, responded, decided, resolved in rows.iterator(chunk_size=5000):
        bucket = buckets.get(_period_start(created.astimezone(datetime.UTC).date(), period))
        if bucket is None:
            continue
        bucket["counts"][status] += 1
        for name, at in (("first_response", responded), ("decision", decided), ("resolution", resolved)):
            if at is not None:
                bucket[name].append((at - created).total_seconds() / 3600)
    out = []
    for begin, bucket in buckets.items():
        item = {"period": _period_key(begin, period), "start": begin.isoformat(),
                "claims": sum(bucket["counts"].values()), "counts": bucket["counts"]}
        for name in ("first_response", "decision", "resolution"):
            values = bucket[name]
            item[f"time_to_{name}_hours"] = {"count": len(values), "p50": percentile(values, 0.5),
                                             "p90": percentile(values, 0.9)}
        out.append(item)
    return out, {"period": period, "from": start.isoformat(), "to": date_to.isoformat()}
