"""The notices package's Wagtail hooks: its panel on the workspace dashboard."""

from wagtail import hooks

from warranty_api.notices.admin_views import dashboard_panels

hooks.register("construct_homepage_panels", dashboard_panels)
