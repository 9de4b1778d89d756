"""Routes of the catalog's admin API under /api/<tenant>/."""

from django.urls import path

from warranty_api.catalog import views

urlpatterns = [
    path("admin/categories", views.AdminCategoryListView.as_view(), name="admin-category-list"),
    path("admin/categories/<str:slug>", views.AdminCategoryDetailView.as_view(), name="admin-category-detail"),
    path("admin/products", views.AdminProductListView.as_view(), name="admin-product-list"),
    path("admin/products/<str:product_id>", views.AdminProductDetailView.as_view(), name="admin-product-detail"),
]
