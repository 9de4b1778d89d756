"""Customer data requests: the erasure of one customer's personal data, keeping what the brand must keep.

What the brand keeps is its record of the product: the warranty (serial, product, dates, terms, status), the
claims' outcome (status, resolution, denial reason, fulfillments) and the audit trails' shape (who of the staff
did what, when). Everything that names, reaches or describes the person goes: the customer record and the
account become tombstones (same ids, no name, no address, an undeliverable `erased+<id>@erased.invalid` email),
free text written by or about them is replaced by "[erased]", uploads (receipts, photos) are deleted with their
files, their email in the outbox is deleted, stored webhook bodies and audit snapshots are scrubbed, stored
idempotent answers are forgotten, and the account's sessions are revoked. `FIELD_POLICY` says, for every field
of every model that can hold personal data, what happens to it; a test holds every model and field to it.

One transaction: a failure anywhere leaves the customer as they were. The stored files are deleted last, inside
it, so a database failure never deletes them; a failure deleting them rolls the rows back (ask again).
"""

from __future__ import annotations

import json

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Case, JSONField, Value, When
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_q.models import OrmQ, Task
from wagtail.models import ModelLogEntry

from warranty_api.accounts.customers import Customer, CustomerErasure, MarketingConsent
from warranty_api.accounts.models import User
from warranty_api.accounts.tokens import tokens_revoke_all
from warranty_api.catalog.imports.models import SerialImportJob
from warranty_api.catalog.models import Category, KnownSerial, Product
from warranty_api.claims.models import Claim, ClaimCounter, ClaimEvent, ClaimMessage, Fulfillment, RmaCounter
from warranty_api.core.emails import ERASED_DOMAIN, normalize_email
from warranty_api.core.exceptions import NotFound
from warranty_api.core.models import IdempotencyRecord
from warranty_api.media.models import Media
from warranty_api.notifications.models import Notification, NotificationTemplate
from warranty_api.privacy.selectors import CustomerSubject, customer_subject
from warranty_api.tenancy.models import Membership, Tenant
from warranty_api.verification.models import PurchaseVerification, ShopifyConnection
from warranty_api.warranties.models import Warranty, WarrantyEvent, WarrantyTransfer
from warranty_api.webhooks.models import InboundEvent, WebhookDelivery, WebhookEndpoint

ERASED_EMAIL = f"erased@{ERASED_DOMAIN}"
ERASED_NAME = "Erased customer"
REDACTED = "[erased]"

KEEP = "keep"  # the brand's record: unchanged
TOMBSTONE = "tombstone"  # replaced by the tombstone's value (an erased+<id>@erased.invalid email, "Erased customer")
BLANK = "blank"  # emptied ("", {}, or null)
REDACT = "redact"  # free text: "[erased]" when it held anything
SCRUB = "scrub"  # JSON: contact details and free text inside it replaced, the rest kept
REVOKE = "revoke"  # credentials: password made unusable, every token refused

# Every field of every model that can hold personal data (a test fails when a model or field is not listed).
FIELD_POLICY: dict[type, dict[str, str]] = {
    User: {
        "id": KEEP, "public_id": KEEP, "tenant": KEEP, "date_joined": KEEP, "is_superuser": KEEP, "is_staff": KEEP,
        "email_code_attempts": KEEP,
        "username": TOMBSTONE, "email": TOMBSTONE, "full_name": TOMBSTONE,
        "first_name": BLANK, "last_name": BLANK, "phone": BLANK, "address": BLANK, "pending_email": BLANK,
        "email_code_hash": BLANK, "email_code_sent_at": BLANK, "email_verified_at": BLANK, "last_login": BLANK,
        "password": REVOKE, "credentials_version": REVOKE, "is_active": REVOKE, "language": BLANK,
    },
    Customer: {
        "id": KEEP, "tenant": KEEP, "account": KEEP, "created_at": KEEP, "updated_at": KEEP,
        "email": TOMBSTONE, "name": TOMBSTONE, "phone": BLANK, "address": BLANK, "owner_contact_at": BLANK,
        "marketing_opt_out": KEEP,
    },
    # The consent log names the customer through the record only, which is tombstoned: the answers stay as the
    # brand's evidence of what was agreed, attached to nobody.
    MarketingConsent: {
        "id": KEEP, "tenant": KEEP, "customer": KEEP, "granted": KEEP, "text": KEEP, "text_version": KEEP,
        "language": KEEP, "source": KEEP, "email_confirmed": KEEP, "created_at": KEEP,
    },
    Warranty: {
        "id": KEEP, "tenant": KEEP, "serial_number": KEEP, "product": KEEP, "customer": KEEP, "owner": KEEP,
        "purchase_date": KEEP, "retailer": KEEP, "warranty_start": KEEP, "warranty_end": KEEP, "extended": KEEP,
        "coverage": KEEP, "transferable": KEEP, "status": KEEP, "verification": KEEP, "void_reason": KEEP,
        "replaces": KEEP, "created_at": KEEP, "updated_at": KEEP,
        "order_number": BLANK, "proof_of_purchase": BLANK, "notes": REDACT, "verification_detail": SCRUB,
        "contact_name": BLANK, "contact_phone": BLANK, "contact_address": BLANK,
    },
    WarrantyEvent: {
        "id": KEEP, "tenant": KEEP, "warranty": KEEP, "actor": KEEP, "action": KEEP, "created_at": KEEP,
        "before": SCRUB, "after": SCRUB, "note": REDACT,
    },
    # A transfer offered *to* the person: the address is tombstoned and a pending offer cancelled. An offer the
    # person made to someone else keeps that other person's address (it is theirs, not the subject's).
    WarrantyTransfer: {
        "id": KEEP, "tenant": KEEP, "warranty": KEEP, "from_user": KEEP, "status": KEEP, "accepted_at": KEEP,
        "new_warranty": KEEP, "created_at": KEEP, "updated_at": KEEP,
        "to_email": TOMBSTONE,
    },
    PurchaseVerification: {
        "warranty": KEEP, "tenant": KEEP, "status": KEEP, "attempts": KEEP, "max_attempts": KEEP,
        "next_attempt_at": KEEP, "lease_until": KEEP, "result": KEEP, "created_at": KEEP, "updated_at": KEEP,
        "last_error": REDACT,
    },
    Claim: {
        "id": KEEP, "tenant": KEEP, "warranty": KEEP, "submitted_by": KEEP, "issue_type": KEEP,
        "preferred_resolution": KEEP, "status": KEEP, "resolution": KEEP, "denial_reason": KEEP, "assignee": KEEP,
        "reference": KEEP, "photo_count": BLANK, "status_changed_at": KEEP, "resolved_at": KEEP, "created_at": KEEP, "updated_at": KEEP,
        # Service-level instants and risk signals: the brand's record of how the claim was handled (the reasons'
        # messages name no one).
        "first_responded_at": KEEP, "decided_at": KEEP, "first_response_due_at": KEEP, "resolution_due_at": KEEP,
        "sla_deadline": KEEP, "sla_due_soon_at": KEEP, "sla_paused_at": KEEP, "sla_late": KEEP,
        "sla_reminded_at": KEEP, "risk_score": KEEP, "risk_level": KEEP, "risk_reasons": KEEP,
        "description": REDACT, "admin_notes": REDACT,
    },
    ClaimEvent: {
        "id": KEEP, "tenant": KEEP, "claim": KEEP, "actor": KEEP, "kind": KEEP, "from_status": KEEP,
        "to_status": KEEP, "visibility": KEEP, "created_at": KEEP,
        "note": REDACT,
    },
    ClaimMessage: {
        "id": KEEP, "tenant": KEEP, "claim": KEEP, "author": KEEP, "visibility": KEEP, "created_at": KEEP,
        "body": REDACT,
    },
    Fulfillment: {
        "id": KEEP, "tenant": KEEP, "claim": KEEP, "kind": KEEP, "rma_number": KEEP, "status": KEEP,
        "replacement_serial": KEEP, "replacement_warranty": KEEP, "backend": KEEP, "external_ref": KEEP,
        "completed_at": KEEP, "created_at": KEEP, "updated_at": KEEP,
    },
    WebhookDelivery: {
        "id": KEEP, "public_id": KEEP, "tenant": KEEP, "endpoint": KEEP, "event_id": KEEP, "event_type": KEEP,
        "ordering_key": KEEP, "status": KEEP, "attempts": KEEP, "max_attempts": KEEP, "next_attempt_at": KEEP,
        "lease_until": KEEP, "response_code": KEEP, "last_attempt_at": KEEP, "delivered_at": KEEP,
        "created_at": KEEP, "updated_at": KEEP,
        "body": SCRUB, "last_error": REDACT,
    },
}
# Rows deleted whole: uploads (with their stored files), the person's email, stored idempotent answers.
DELETED_MODELS = (Media, Notification, IdempotencyRecord)
# The brand's own configuration, catalog, staff and integrations, and the erasure records: nobody's personal data.
NOT_PERSONAL_MODELS = (
    Tenant, Membership, Category, Product, KnownSerial, RmaCounter, ClaimCounter, SerialImportJob, ShopifyConnection,
    NotificationTemplate, WebhookEndpoint, InboundEvent, CustomerErasure,
    # The feature packages sit beside this one (import layers), so their models are named, not imported: the
    # failure-rate counts, the brand's notices (a mark says which warranty a notice was about, not who owns it),
    # and export jobs (a file is the staff's download of the brand's lists as they were then; README "Exports").
    *(apps.get_model("warranty_api", name) for name in (
        "FailureUnitCell", "FailureClaimCell", "FailureKnownCell", "FailureSummary", "AnalyticsRefresh", "Notice",
        "NoticeWarranty", "ExportJob",
        # The configuration audit names staff, not customers; scans and label sheets name serials, not people.
        "ConfigChange", "ScanEvent", "LabelSheetJob",
    )),
)

# Keys of stored JSON (webhook bodies, audit snapshots, check details) whose value is contact data or free text.
_PERSONAL_KEYS = frozenset({
    "email", "to_email", "name", "customer_name", "from_name", "full_name", "phone", "address", "description",
    "note", "notes", "body", "admin_notes", "order_id", "order_name", "order_number",
})
# Keys whose whole object is a person's contact card (the webhook bodies' `customer`).
_CONTACT_KEYS = frozenset({"customer", "contact", "from_user", "owner_contact"})
_NAME_KEYS = frozenset({"name", "customer_name", "from_name", "full_name"})


def email_digest(*, tenant: Tenant, email: str) -> str:
    """A keyed digest of the address, the erasure record's only trace of it (found again by the same request)."""
    return salted_hmac("aftersale.customer-erasure", f"{tenant.id}:{normalize_email(email)}").hexdigest()


def _tombstone_value(key: str, value):
    if value in (None, "", {}, []):
        return value
    if key in ("email", "to_email"):
        return ERASED_EMAIL
    if key in _NAME_KEYS:
        return ERASED_NAME
    if isinstance(value, dict):
        return {}
    return REDACTED


def scrub_json(value, *, emails: tuple[str, ...]):
    """`value` with contact details and free text replaced and any string quoting one of `emails` redacted."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in _CONTACT_KEYS and isinstance(item, dict):
                out[key] = {k: _tombstone_value(k, v) for k, v in item.items()}
            elif key in _PERSONAL_KEYS:
                out[key] = _tombstone_value(key, item)
            else:
                out[key] = scrub_json(item, emails=emails)
        return out
    if isinstance(value, list):
        return [scrub_json(item, emails=emails) for item in value]
    if isinstance(value, str) and any(e and e in value.lower() for e in emails):
        return REDACTED
    return value


def _policy_update(queryset, **extra) -> int:
    """Apply the BLANK and REDACT entries of the model's policy to every row of `queryset`, in one UPDATE."""
    model = queryset.model
    changes = dict(extra)
    for name, action in FIELD_POLICY[model].items():
        f = model._meta.get_field(name)
        if action == BLANK:
            changes[name] = None if f.null else (f.get_default() if isinstance(f, JSONField) else 0 if f.get_internal_type().endswith("IntegerField") else "")
        elif action == REDACT:
            changes[name] = Case(When(**{name: ""}, then=Value("")), default=Value(REDACTED), output_field=f)
    if any(f.name == "updated_at" for f in model._meta.concrete_fields):
        changes["updated_at"] = timezone.now()
    # A plain UPDATE, also on the append-only audit rows (ClaimEvent, ClaimMessage): the law's erasure is the one
    # change they take.
    return queryset.update(**changes)


def _scrub_rows(queryset, fields: list[str], emails: tuple[str, ...]) -> int:
    rows = list(queryset)
    for row in rows:
        for name in fields:
            value = getattr(row, name)
            if name == "body":  # a webhook body: the exact text sent, JSON
                try:
                    setattr(row, name, json.dumps(scrub_json(json.loads(value), emails=emails), separators=(",", ":")))
                except ValueError:
                    setattr(row, name, REDACTED)
            else:
                setattr(row, name, scrub_json(value, emails=emails))
    if rows:
        type(rows[0]).objects.bulk_update(rows, fields, batch_size=500)
    return len(rows)


def _erase_account(subject: CustomerSubject) -> int:
    """The account becomes an inactive tombstone that no password and no token opens; answers tokens revoked."""
    account = subject.account
    tombstone = f"erased+{account.public_id}@{ERASED_DOMAIN}"
    account.email = tombstone
    account.username = User.customer_username(account.tenant_id, tombstone)
    account.full_name = ERASED_NAME
    for name, action in FIELD_POLICY[User].items():
        if action == BLANK:
            f = User._meta.get_field(name)
            setattr(account, name, None if f.null else f.get_default() if isinstance(f, JSONField) else "")
    account.is_active = False
    account.set_unusable_password()
    account.save()  # a new password (even an unusable one) moves `credentials_version` on: every token refused
    return tokens_revoke_all(user=account)


def _erase_background_tasks(subject: CustomerSubject) -> int:
    found = subject.background_tasks()
    Task.objects.filter(pk__in=[t.pk for t in found if isinstance(t, Task)]).delete()
    OrmQ.objects.filter(pk__in=[t.pk for t in found if isinstance(t, OrmQ)]).delete()
    return len(found)


def _erase_admin_log(subject: CustomerSubject) -> None:
    """Wagtail's admin log names an account it changed by its username (the email): rename it to the tombstone."""
    if subject.account is None:
        return
    ModelLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(subject.account.pk)
    ).update(label=subject.account.username, data={})


def _delete_files(names: list[tuple[str, str]]) -> None:
    """Strict, unlike the upload purge: a receipt left in storage would be personal data kept."""
    for field_name, name in names:
        Media._meta.get_field(field_name).storage.delete(name)


def customer_erase(*, tenant: Tenant, email: str, actor: User | None, via: str) -> CustomerErasure:
    """Erase what `tenant` holds about `email` (see the module's doc); the audit record says who and when.

    Idempotent: when nothing is held any more and the address was erased before, the earlier record is the
    answer. Raises 404 `not_found` when nothing is held and nothing was erased.
    """
    email = normalize_email(email)
    digest = email_digest(tenant=tenant, email=email)
    with transaction.atomic():
        subject = customer_subject(tenant=tenant, email=email, for_update=True)
        if subject.is_empty():
            previous = CustomerErasure.objects.filter(tenant=tenant, email_digest=digest).order_by("-created_at").first()
            if previous is None:
                raise NotFound("Nothing is held about this email at this brand.")
            return previous
        erasure = _erase(subject, actor=actor, via=via, digest=digest)
    return erasure


def _erase(subject: CustomerSubject, *, actor: User | None, via: str, digest: str) -> CustomerErasure:
    tenant, email = subject.tenant, subject.email
    emails = tuple(e for e in {email, subject.account.pending_email.lower() if subject.account else ""} if e)
    now = timezone.now()
    counts: dict[str, int] = {}

    # Read before the warranties let go of their receipts (which is how a receipt is found).
    media = Media.objects.filter(tenant=tenant, pk__in=list(subject.media().values_list("pk", flat=True)))
    files = [
        (field_name, name)
        for pair in media.values_list("file", "thumbnail")
        for field_name, name in zip(("file", "thumbnail"), pair, strict=True)
        if name
    ]
    warranties = subject.warranties()
    counts["warranties"] = _policy_update(warranties)
    counts["warranties_scrubbed"] = _scrub_rows(warranties, ["verification_detail"], emails)
    counts["warranty_events"] = _policy_update(subject.warranty_events())
    _scrub_rows(subject.warranty_events(), ["before", "after"], emails)
    # Another owner's warranty keeps its trail; only the quotes of this address in it go.
    counts["warranty_events"] += _scrub_rows(subject.events_quoting(), ["before", "after"], emails)
    transfers_to_them = subject.transfers().filter(to_email__iexact=email)
    transfers_to_them.filter(status=WarrantyTransfer.Status.PENDING).update(
        status=WarrantyTransfer.Status.CANCELLED, updated_at=now
    )
    counts["warranty_transfers"] = transfers_to_them.update(to_email=ERASED_EMAIL, updated_at=now)
    _policy_update(subject.verifications())
    counts["claims"] = _policy_update(subject.claims())
    counts["claim_events"] = _policy_update(subject.claim_events())
    counts["claim_messages"] = _policy_update(subject.claim_messages())
    counts["webhook_deliveries"] = _policy_update(subject.webhook_deliveries())
    _scrub_rows(subject.webhook_deliveries(), ["body"], emails)
    # Rows deleted whole. Media first: the warranties' receipts point at it (SET_NULL, done by the ORM).
    counts["media"] = media.count()
    media.delete()
    counts["files"] = len(files)
    counts["notifications"] = subject.notifications().delete()[0]
    counts["idempotency_records"] = IdempotencyRecord.objects.filter(
        pk__in=list(subject.idempotency_records().values_list("pk", flat=True))
    ).delete()[0]
    counts["background_tasks"] = _erase_background_tasks(subject)

    customers = []
    for customer in subject.customers:
        customer.email = f"erased+{customer.id}@{ERASED_DOMAIN}"
        customer.name = ERASED_NAME
        customer.phone, customer.address = "", {}
        customer.save(update_fields=["email", "name", "phone", "address", "updated_at"])
        customers.append(customer.id)
    counts["customers"] = len(customers)
    counts["sessions_revoked"] = 0
    if subject.account is not None:
        counts["sessions_revoked"] = _erase_account(subject)
        _erase_admin_log(subject)

    WarrantyEvent.objects.bulk_create(
        [WarrantyEvent(tenant=tenant, warranty_id=wid, actor=actor, action="customer_erased") for wid in subject.warranty_ids]
    )
    erasure = CustomerErasure.objects.create(
        tenant=tenant,
        email_digest=digest,
        erased_by=actor,
        via=via,
        summary={
            "customers": customers,
            "account": subject.account.public_id if subject.account is not None else None,
            "warranties": sorted(subject.warranty_ids),
            "claims": sorted(subject.claim_ids),
            "counts": counts,
        },
    )
    _delete_files(files)
    return erasure
