"""The notices' panel on the workspace dashboard: the brand's recent notices with their delivery counts."""

from __future__ import annotations

from wagtail.admin.ui.components import Component

from warranty_api.notices.models import Notice
from warranty_api.notices.selectors import notice_counts
from warranty_api.workspace.brand import current_brand
from warranty_api.workspace.permissions import Area, may


class RecentNoticesPanel(Component):
    name = "workspace_notices"
    template_name = "workspace/notices/dashboard_panel.html"
    order = 30

    def __init__(self, request):
        self.request = request

    def get_context_data(self, parent_context):
        tenant = current_brand(self.request).tenant
        notices = list(Notice.objects.filter(tenant=tenant).order_by("-created_at", "-id")[:5])
        return {"brand": tenant, "notices": [{"notice": n, "counts": notice_counts(n)} for n in notices]}


def dashboard_panels(request, panels) -> None:
    if may(request, Area.CLAIMS):
        panels.append(RecentNoticesPanel(request))
