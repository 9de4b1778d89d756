"""The analytics package's Wagtail hooks: its dashboard screen in the staff workspace."""

from wagtail import hooks

from warranty_api.analytics.admin_views import AnalyticsViewSet


@hooks.register("register_admin_viewset")
def analytics_viewset():
    return AnalyticsViewSet()
