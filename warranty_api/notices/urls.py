"""Routes of the notice endpoints, under /api/<tenant>/."""

from django.urls import path

from warranty_api.notices import views

# Included under /api/<tenant>/.
urlpatterns = [
    path("warranties/<str:warranty_id>/notices", views.CustomerWarrantyNoticesView.as_view(), name="warranty-notices"),
    path("admin/warranties/<str:warranty_id>/notices", views.AdminWarrantyNoticesView.as_view(),
         name="admin-warranty-notices"),
    path("admin/notices", views.NoticeListCreateView.as_view(), name="admin-notices"),
    path("admin/notices/<str:notice_id>", views.NoticeDetailView.as_view(), name="admin-notice-detail"),
]
