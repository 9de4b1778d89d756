"""All models of the API, re-exported so `from warranty_api.models import Warranty` works."""

# Models of the feature packages, imported last: they build on the models above.
from warranty_api.analytics.models import (
    AnalyticsRefresh,
    ExportJob,
    FailureClaimCell,
    FailureKnownCell,
    FailureSummary,
    FailureUnitCell,
)
from warranty_api.notices.models import Notice, NoticeWarranty

from .accounts import Role, User
from .base import PublicIdField, new_public_id
from .catalog import Category, KnownSerial, Product, normalize_serial
from .claims import (
    Claim,
    ClaimCounter,
    ClaimEvent,
    ClaimMessage,
    Fulfillment,
    RmaCounter,
    Visibility,
    claim_reference_prefix,
)
from .customers import ADDRESS_KEYS, Customer, CustomerErasure
from .idempotency import IdempotencyRecord
from .imports import SerialImportJob
from .integrations import PurchaseVerification, ShopifyConnection
from .media import Media
from .notifications import Notification, NotificationKind, NotificationTemplate
from .tenancy import (
    REGISTRATION_FIELDS,
    RESERVED_SLUGS,
    TENANT_SLUG_RE,
    Coverage,
    Membership,
    ReplacementTerms,
    StaffRole,
    Tenant,
    VerificationMode,
)
from .warranties import Warranty, WarrantyEvent, WarrantyTransfer
from .webhooks import InboundEvent, WebhookDelivery, WebhookEndpoint

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
