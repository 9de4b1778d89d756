"""All models of the API, re-exported so `from warranty_api.models import Warranty` works."""

from warranty_api.accounts.customers import ADDRESS_KEYS, Customer, CustomerErasure, MarketingConsent
from warranty_api.accounts.models import User
from warranty_api.analytics.models import (
    AnalyticsRefresh,
    ExportJob,
    FailureClaimCell,
    FailureKnownCell,
    FailureSummary,
    FailureUnitCell,
)
from warranty_api.catalog.imports.models import SerialImportJob
from warranty_api.catalog.models import Category, KnownSerial, Product, normalize_serial
from warranty_api.claims.models import (
    Claim,
    ClaimCounter,
    ClaimEvent,
    ClaimMessage,
    Fulfillment,
    RmaCounter,
    Visibility,
    claim_reference_prefix,
)
from warranty_api.core.ids import PublicIdField, new_public_id
from warranty_api.core.models import IdempotencyRecord
from warranty_api.core.roles import Role
from warranty_api.media.models import Media
from warranty_api.notices.models import Notice, NoticeWarranty
from warranty_api.notifications.models import Notification, NotificationKind, NotificationTemplate
from warranty_api.tenancy.models import (
    REGISTRATION_FIELDS,
    RESERVED_SLUGS,
    TENANT_SLUG_RE,
    ConfigChange,
    Coverage,
    Membership,
    ReplacementTerms,
    StaffRole,
    Tenant,
    VerificationMode,
)
from warranty_api.verification.models import PurchaseVerification, ShopifyConnection
from warranty_api.warranties.models import Warranty, WarrantyEvent, WarrantyTransfer
from warranty_api.webhooks.models import InboundEvent, WebhookDelivery, WebhookEndpoint

__all__ = [
    "ADDRESS_KEYS",
    "REGISTRATION_FIELDS",
    "RESERVED_SLUGS",
    "TENANT_SLUG_RE",
    "AnalyticsRefresh",
    "Category",
    "Claim",
    "ClaimCounter",
    "ClaimEvent",
    "ClaimMessage",
    "ConfigChange",
    "Coverage",
    "Customer",
    "CustomerErasure",
    "ExportJob",
    "FailureClaimCell",
    "FailureKnownCell",
    "FailureSummary",
    "FailureUnitCell",
    "Fulfillment",
    "IdempotencyRecord",
    "InboundEvent",
    "KnownSerial",
    "MarketingConsent",
    "Media",
    "Membership",
    "Notice",
    "NoticeWarranty",
    "Notification",
    "NotificationKind",
    "NotificationTemplate",
    "Product",
    "PublicIdField",
    "PurchaseVerification",
    "ReplacementTerms",
    "RmaCounter",
    "Role",
    "SerialImportJob",
    "ShopifyConnection",
    "StaffRole",
    "Tenant",
    "User",
    "VerificationMode",
    "Visibility",
    "Warranty",
    "WarrantyEvent",
    "WarrantyTransfer",
    "WebhookDelivery",
    "WebhookEndpoint",
    "claim_reference_prefix",
    "new_public_id",
    "normalize_serial",
]

# Models of the feature packages, so Django finds them under this app (their tables keep its label).
from warranty_api.labels.models import LabelSheetJob, ScanEvent

__all__ += ["LabelSheetJob", "ScanEvent"]
