"""Routes of the API. Tenant paths take `<tenant>`; TenantMiddleware has already resolved it."""

from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from warranty_api import system_views as system
from warranty_api.accounts import views as accounts
from warranty_api.catalog import views as catalog
from warranty_api.claims import views as claims
from warranty_api.core.middleware import api_path_not_found
from warranty_api.labels.urls import tenant_patterns as label_patterns
from warranty_api.media import views as media
from warranty_api.notifications import views as notifications
from warranty_api.privacy import views as customer_data
from warranty_api.verification import views as verification
from warranty_api.warranties import views as warranties
from warranty_api.webhooks import views as webhooks

tenant_patterns = [
    *label_patterns,
    path("config", catalog.TenantConfigView.as_view(), name="tenant-config"),
    path("products", catalog.ProductListView.as_view(), name="product-list"),
    path("warranties", warranties.CustomerWarrantyListView.as_view(), name="warranty-list"),
    path("warranties/transfers/accept", warranties.WarrantyTransferAcceptView.as_view(), name="warranty-transfer-accept"),
    path("warranties/<str:warranty_id>", warranties.CustomerWarrantyDetailView.as_view(), name="warranty-detail"),
    path(
        "warranties/<str:warranty_id>/certificate",
        warranties.CustomerWarrantyCertificateView.as_view(),
        name="warranty-certificate",
    ),
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
    path("auth/accept-invitation", accounts.AcceptInvitationView.as_view(), name="auth-accept-invitation"),
    path("admin/consents", accounts.ConsentLogView.as_view(), name="admin-consent-list"),
    path("admin/staff", accounts.StaffListView.as_view(), name="admin-staff-list"),
    path("admin/staff/<str:user_id>", accounts.StaffDetailView.as_view(), name="admin-staff-detail"),
    path("admin/customers/export", customer_data.CustomerExportView.as_view(), name="admin-customer-export"),
    path("admin/customers/erase", customer_data.CustomerEraseView.as_view(), name="admin-customer-erase"),
    path("claims", claims.ClaimListCreateView.as_view(), name="claim-list"),
    path("claims/<str:claim_id>", claims.ClaimDetailView.as_view(), name="claim-detail"),
    path("claims/<str:claim_id>/messages", claims.ClaimMessageCreateView.as_view(), name="claim-messages"),
    path("admin/claims", claims.AdminClaimListView.as_view(), name="admin-claim-list"),
    path("admin/claims/<str:claim_id>", claims.AdminClaimDetailView.as_view(), name="admin-claim-detail"),
    path("admin/fulfillments", claims.AdminFulfillmentListView.as_view(), name="admin-fulfillment-list"),
    path(
        "admin/fulfillments/<str:fulfillment_id>",
        claims.AdminFulfillmentDetailView.as_view(),
        name="admin-fulfillment-detail",
    ),
    path("upload", media.MediaUploadView.as_view(), name="media-upload"),
    path("media/<str:media_id>", media.MediaFileView.as_view(), name="media-file"),
    path("admin/integrations/shopify", verification.ShopifyConnectionView.as_view(), name="admin-shopify"),
    path(
        "admin/integrations/shopify/test", verification.ShopifyConnectionTestView.as_view(), name="admin-shopify-test"
    ),
    path(
        "admin/warranties/<str:warranty_id>/verification",
        verification.WarrantyVerificationView.as_view(),
        name="admin-warranty-verification",
    ),
    path(
        "admin/warranties/<str:warranty_id>/verification/retry",
        verification.WarrantyVerificationRetryView.as_view(),
        name="admin-warranty-verification-retry",
    ),
    path(
        "admin/notification-templates",
        notifications.NotificationTemplateListView.as_view(),
        name="admin-notification-templates",
    ),
    path(
        "admin/notification-templates/<str:kind>",
        notifications.NotificationTemplateDetailView.as_view(),
        name="admin-notification-template",
    ),
    path(
        "admin/notification-templates/<str:kind>/preview",
        notifications.NotificationTemplatePreviewView.as_view(),
        name="admin-notification-template-preview",
    ),
    path("admin/outbox", notifications.OutboxListView.as_view(), name="admin-outbox"),
    path(
        "admin/outbox/notifications/<str:notification_id>/retry",
        notifications.OutboxNotificationRetryView.as_view(),
        name="admin-outbox-notification-retry",
    ),
    path("admin/integrations/inventory", webhooks.InventoryIntegrationView.as_view(), name="admin-inventory"),
    path("admin/webhooks", webhooks.WebhookEndpointListView.as_view(), name="admin-webhook-list"),
    path("admin/webhooks/<str:endpoint_id>", webhooks.WebhookEndpointDetailView.as_view(), name="admin-webhook-detail"),
    path(
        "admin/webhooks/<str:endpoint_id>/deliveries",
        webhooks.WebhookDeliveryListView.as_view(),
        name="admin-webhook-deliveries",
    ),
    path(
        "admin/webhooks/<str:endpoint_id>/deliveries/<str:delivery_id>/retry",
        webhooks.WebhookDeliveryRetryView.as_view(),
        name="admin-webhook-delivery-retry",
    ),
    path("integrations/inventory/events", claims.InventoryEventView.as_view(), name="inventory-events"),
    path("", include("warranty_api.tenancy.urls")),
    path("", include("warranty_api.catalog.urls")),
    path("admin/serial-rules/test", warranties.AdminSerialRuleTestView.as_view(), name="admin-serial-rules-test"),
    path("admin/", include("warranty_api.analytics.urls")),
    path("", include("warranty_api.notices.urls")),
]

public_patterns: list = [
    path("upload", media.PublicMediaUploadView.as_view(), name="public-media-upload"),
    path("warranties", warranties.PublicWarrantyRegisterView.as_view(), name="public-warranty-register"),
    path("certificate", warranties.PublicWarrantyCertificateView.as_view(), name="public-warranty-certificate"),
]

urlpatterns = [
    path("health", system.HealthView.as_view(), name="health"),
    path("config", system.GlobalConfigView.as_view(), name="config"),
    path("webhooks/schemas", system.WebhookSchemasView.as_view(), name="webhook-schemas"),
    path("schema", SpectacularAPIView.as_view(), name="schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("redoc", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("p/<str:tenant>/", include(public_patterns)),
    path("<str:tenant>/", include(tenant_patterns)),
    # Anything else under /api/ (a trailing slash, say) is the API's 404, not a path for Wagtail's pages.
    re_path(r"", csrf_exempt(api_path_not_found), name="api-not-found"),
]
