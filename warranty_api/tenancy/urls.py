"""Routes of the brand's settings under /api/<tenant>/."""

from django.urls import path

from warranty_api.tenancy import views

urlpatterns = [
    path("admin/settings", views.AdminSettingsView.as_view(), name="admin-settings"),
    path("admin/audit", views.AdminConfigChangeListView.as_view(), name="admin-config-changes"),
]
