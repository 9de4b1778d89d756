"""Routes of the API. Tenant paths take `<tenant>`; TenantMiddleware has already resolved it."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from .views import accounts, catalog, system, warranties

tenant_patterns = [
    path("config", catalog.TenantConfigView.as_view(), name="tenant-config"),
    path("products", catalog.ProductListView.as_view(), name="product-list"),
    path("warranties", warranties.CustomerWarrantyListView.as_view(), name="warranty-list"),
    path("warranties/transfers/accept", warranties.WarrantyTransferAcceptView.as_view(), name="warranty-transfer-accept"),
    path("warranties/<str:warranty_id>", warranties.CustomerWarrantyDetailView.as_view(), name="warranty-detail"),
    path("warranties/<str:warranty_id>/transfer", warranties.WarrantyTransferView.as_view(), name="warranty-transfer"),
    path("admin/warranties", warranties.AdminWarrantyListView.as_view(), name="admin-warranty-list"),
    path("admin/warranties/<str:warranty_id>", warranties.AdminWarrantyDetailView.as_view(), name="admin-warranty-detail"),
    path("admin/serials/import", warranties.SerialImportView.as_view(), name="serial-import"),
    path("admin/serials/import/<str:job_id>", warranties.SerialImportDetailView.as_view(), name="serial-import-detail"),
    path("auth/register", accounts.RegisterView.as_view(), name="auth-register"),
    path("auth/login", accounts.LoginView.as_view(), name="auth-login"),
    path("auth/refresh", accounts.RefreshView.as_view(), name="auth-refresh"),
    path("auth/logout", accounts.LogoutView.as_view(), name="auth-logout"),
    path("auth/verify-email", accounts.VerifyEmailView.as_view(), name="auth-verify-email"),
    path("auth/resend-verification", accounts.ResendVerificationView.as_view(), name="auth-resend-verification"),
    path("auth/forgot-password", accounts.ForgotPasswordView.as_view(), name="auth-forgot-password"),
    path("auth/reset-password", accounts.ResetPasswordView.as_view(), name="auth-reset-password"),
    path("auth/me", accounts.MeView.as_view(), name="auth-me"),
    path("auth/change-password", accounts.ChangePasswordView.as_view(), name="auth-change-password"),
    path("admin/staff", accounts.StaffListView.as_view(), name="admin-staff-list"),
    path("admin/staff/<str:user_id>", accounts.StaffDetailView.as_view(), name="admin-staff-detail"),
]

public_patterns: list = [
    path("warranties", warranties.PublicWarrantyRegisterView.as_view(), name="public-warranty-register"),
]

urlpatterns = [
    path("health", system.HealthView.as_view(), name="health"),
    path("config", system.GlobalConfigView.as_view(), name="config"),
    path("schema", SpectacularAPIView.as_view(), name="schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("redoc", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("p/<str:tenant>/", include(public_patterns)),
    path("<str:tenant>/", include(tenant_patterns)),
]
