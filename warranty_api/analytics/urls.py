"""Routes of the analytics and export endpoints, under /api/<tenant>/admin/."""

from django.urls import path

from warranty_api.analytics import views

urlpatterns = [
    path("analytics/failure-rates", views.FailureRatesView.as_view(), name="admin-analytics-failure-rates"),
    path("analytics/claims", views.ClaimCycleTimesView.as_view(), name="admin-analytics-claims"),
    path("exports", views.ExportJobCreateView.as_view(), name="admin-exports"),
    path("exports/<str:job_id>", views.ExportJobDetailView.as_view(), name="admin-export-detail"),
    path("exports/<str:job_id>/download", views.ExportJobDownloadView.as_view(), name="admin-export-download"),
]
