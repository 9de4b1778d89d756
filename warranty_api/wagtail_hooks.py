"""Wagtail finds hooks here: the staff workspace's frame and each domain's admin screens."""

from wagtail import hooks

from warranty_api.analytics.admin_views import AnalyticsViewSet
from warranty_api.claims.admin_views import ClaimsViewSet, dashboard_panels
from warranty_api.notices.admin_views import dashboard_panels as notice_panels
from warranty_api.warranties.admin_views import WarrantiesViewSet
from warranty_api.workspace import hooks as workspace_hooks  # noqa: F401


@hooks.register("register_admin_viewset")
def claims_viewset():
    return ClaimsViewSet()


hooks.register("construct_homepage_panels", dashboard_panels)
hooks.register("construct_homepage_panels", notice_panels)


@hooks.register("register_admin_viewset")
def analytics_viewset():
    return AnalyticsViewSet()


@hooks.register("register_admin_viewset")
def warranties_viewset():
    return WarrantiesViewSet()
