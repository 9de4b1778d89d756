"""Routes of scan to register under /api/<tenant>/ (included by warranty_api/urls.py)."""

from django.urls import path

from warranty_api.labels import views

tenant_patterns = [
    path("admin/products/<str:product_id>/qr", views.ProductQrView.as_view(), name="admin-product-qr"),
    path("admin/serials/<str:serial>/qr", views.SerialQrView.as_view(), name="admin-serial-qr"),
    path("admin/qr-labels", views.LabelSheetListView.as_view(), name="admin-label-sheets"),
    path("admin/qr-labels/<str:job_id>", views.LabelSheetDetailView.as_view(), name="admin-label-sheet"),
    path("admin/qr-labels/<str:job_id>/pdf", views.LabelSheetPdfView.as_view(), name="admin-label-sheet-pdf"),
    path("admin/analytics/registration-funnel", views.RegistrationFunnelView.as_view(),
         name="admin-registration-funnel"),
]
