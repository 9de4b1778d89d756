"""The analytics dashboard in the staff workspace: failure rate by product, the open queue's service levels, claims
per week and risk levels (recent notices are the notices package's dashboard panel). Charts are SVG drawn by the
server: no script, nothing from elsewhere."""

from __future__ import annotations

from django.db.models import Count
from django.http import QueryDict
from django.urls import path, reverse

from warranty_api.analytics.selectors import claim_cycle_times, failure_rates
from warranty_api.claims.models import Claim
from warranty_api.claims.sla import STATES, sla_state_filter
from warranty_api.workspace.menu import WorkspaceViewSet
from warranty_api.workspace.permissions import Area
from warranty_api.workspace.views import WorkspaceScreen

CHART_WIDTH = 640
BAR_HEIGHT = 22
LABEL_WIDTH = 180
SLA_LABELS = {"on_track": "On track", "due_soon": "Due soon", "breached": "Breached", "met": "Met"}


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.2f}%"


def failure_chart(rows: list[dict], threshold: float) -> dict:
    """Horizontal bars of each product's rate, its 95% interval as a whisker, the brand's threshold as a line."""
    top = max([threshold, *(r["rate_high"] or 0 for r in rows)]) or 0.01
    span = CHART_WIDTH - LABEL_WIDTH - 70

    def x(value: float) -> float:
        return round(LABEL_WIDTH + span * value / top, 1)

    bars = []
    for index, row in enumerate(rows):
        y = 8 + index * (BAR_HEIGHT + 8)
        rate = row["rate"] or 0
        bars.append({
            "label": row["label"][:28], "key": row["key"] or "", "y": y, "text_y": y + BAR_HEIGHT - 6,
            "x0": LABEL_WIDTH, "width": max(0.0, x(rate) - LABEL_WIDTH), "low": x(row["rate_low"] or 0),
            "high": x(row["rate_high"] or 0), "mid": y + BAR_HEIGHT / 2, "flag": row["flag"],
            "value": _percent(row["rate"]), "value_x": x(row["rate_high"] or rate) + 6,
            "interval": f"{_percent(row['rate_low'])} to {_percent(row['rate_high'])}",
            "title": f"{row['label']}: {row['claims']} claims over {row['units_registered']} units, "
                     f"95% interval {_percent(row['rate_low'])} to {_percent(row['rate_high'])}",
        })
    height = 16 + len(rows) * (BAR_HEIGHT + 8)
    return {"bars": bars, "width": CHART_WIDTH, "height": max(height, 40), "threshold_x": x(threshold),
            "threshold": _percent(threshold)}


def weekly_chart(weeks: list[dict]) -> dict:
    """Columns of claims filed per week."""
    height, base = 160, 130
    top = max([1, *(w["claims"] for w in weeks)])
    step = (CHART_WIDTH - 20) / max(1, len(weeks))
    columns = []
    for index, week in enumerate(weeks):
        tall = round((base - 20) * week["claims"] / top, 1)
        columns.append({"x": round(10 + index * step + 4, 1), "width": round(step - 8, 1), "y": base - tall,
                        "height": tall, "count": week["claims"], "label": week["period"][-3:],
                        "label_x": round(10 + index * step + step / 2, 1), "title": f"{week['period']}: "
                        f"{week['claims']} claims"})
    return {"columns": columns, "width": CHART_WIDTH, "height": height, "base": base,
            "total": sum(w["claims"] for w in weeks)}


class AnalyticsDashboardView(WorkspaceScreen):
    area = Area.CLAIMS  # agents and admins read analytics
    template_name = "workspace/analytics/dashboard.html"
    page_title = "Analytics"
    header_icon = "table"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tenant = self.tenant
        rows, meta = failure_rates(tenant=tenant, params=QueryDict("by=sku"))
        weeks, _ = claim_cycle_times(tenant=tenant, params=QueryDict("period=week"))
        open_claims = Claim.objects.filter(tenant=tenant, status__in=Claim.OPEN_STATUSES)
        queue = reverse("workspace_claims:index")
        sla = [{"state": state, "label": SLA_LABELS[state],
                "count": sla_state_filter(open_claims, [state]).count()} for state in STATES if state != "met"]
        risk = dict(open_claims.values_list("risk_level").annotate(n=Count("*")).order_by())
        context.update({
            "brand": tenant,
            "failure": failure_chart(rows, meta["alert_threshold"]),
            "failure_rows": rows,
            "as_of": meta["as_of"],
            "weekly": weekly_chart(weeks),
            "sla": sla,
            "risk": [{"level": level, "count": risk.get(level, 0)} for level in ("high", "medium", "low")],
            "queue_url": queue,
        })
        return context


class AnalyticsViewSet(WorkspaceViewSet):
    name = "workspace_analytics"
    url_prefix = "analytics"
    area = Area.CLAIMS
    icon = "table"
    menu_label = "Analytics"
    menu_name = "analytics"
    menu_order = 4

    def get_urlpatterns(self):
        return [path("", AnalyticsDashboardView.as_view(), name="index")]
