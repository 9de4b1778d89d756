"""Everything a tenant holds about one customer, found by email: the rows a data request exports or erases."""

from __future__ import annotations

import datetime
import decimal
import json
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django_q.models import OrmQ, Task
from django_q.signing import SignedPackage
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from warranty_api.accounts.customers import Customer
from warranty_api.accounts.models import User
from warranty_api.claims.models import Claim, ClaimEvent, ClaimMessage, Fulfillment
from warranty_api.core.emails import normalize_email
from warranty_api.core.models import IdempotencyRecord
from warranty_api.media.models import Media
from warranty_api.notifications.models import Notification
from warranty_api.tenancy.models import Tenant
from warranty_api.verification.models import PurchaseVerification
from warranty_api.warranties.models import Warranty, WarrantyEvent, WarrantyTransfer
from warranty_api.webhooks.models import WebhookDelivery

# The one background task whose arguments carry an email rather than ids (warranty_api.tasks).
EMAIL_ARGUMENT_TASKS = ("warranty_api.tasks.password_reset_send",)
# Credentials and secrets of the account: never exported, whoever asks.
EXPORT_HIDDEN = {User: {"password", "email_code_hash"}}


@dataclass
class CustomerSubject:
    """The rows held about one email at one tenant. `account` is the customer account of that email, if any."""

    tenant: Tenant
    email: str
    account: User | None
    customers: list[Customer]
    warranty_ids: list[str] = field(default_factory=list)
    claim_ids: list[str] = field(default_factory=list)
    transfer_ids: list[str] = field(default_factory=list)

    # Each query is tenant-scoped; ids are of this tenant's rows already, the tenant filter says so again.
    def warranties(self) -> QuerySet[Warranty]:
        return Warranty.objects.filter(tenant=self.tenant, id__in=self.warranty_ids)

    def warranty_events(self) -> QuerySet[WarrantyEvent]:
        return WarrantyEvent.objects.filter(tenant=self.tenant, warranty_id__in=self.warranty_ids)

    def events_quoting(self) -> QuerySet[WarrantyEvent]:
        """Audit rows of other people's warranties that quote the address (a transfer offered to it)."""
        return (
            WarrantyEvent.objects.filter(tenant=self.tenant)
            .exclude(warranty_id__in=self.warranty_ids)
            .annotate(before_text=Cast("before", TextField()), after_text=Cast("after", TextField()))
            .filter(Q(before_text__icontains=self.email) | Q(after_text__icontains=self.email))
        )

    def transfers(self) -> QuerySet[WarrantyTransfer]:
        return WarrantyTransfer.objects.filter(tenant=self.tenant, id__in=self.transfer_ids)

    def verifications(self) -> QuerySet[PurchaseVerification]:
        return PurchaseVerification.objects.filter(tenant=self.tenant, warranty_id__in=self.warranty_ids)

    def claims(self) -> QuerySet[Claim]:
        return Claim.objects.filter(tenant=self.tenant, id__in=self.claim_ids)

    def claim_events(self) -> QuerySet[ClaimEvent]:
        return ClaimEvent.objects.filter(tenant=self.tenant, claim_id__in=self.claim_ids)

    def claim_messages(self) -> QuerySet[ClaimMessage]:
        return ClaimMessage.objects.filter(tenant=self.tenant, claim_id__in=self.claim_ids)

    def fulfillments(self) -> QuerySet[Fulfillment]:
        return Fulfillment.objects.filter(tenant=self.tenant, claim_id__in=self.claim_ids)

    def media(self) -> QuerySet[Media]:
        """Receipts of the warranties, photos of the claims and their messages, and every upload of the account."""
        held = (
            Q(claim_id__in=self.claim_ids)
            | Q(claim_message__claim_id__in=self.claim_ids)
            | Q(pk__in=Warranty.objects.filter(tenant=self.tenant, id__in=self.warranty_ids).values("proof_of_purchase"))
        )
        if self.account is not None:
            held |= Q(uploaded_by=self.account)
        return Media.objects.filter(tenant=self.tenant).filter(held)

    def _refs(self) -> list[str]:
        """Every id of the subject's rows that other rows may quote (subject_ref, ordering_key, stored bodies)."""
        refs = [*self.warranty_ids, *self.claim_ids, *self.transfer_ids, *(c.id for c in self.customers)]
        if self.account is not None:
            refs.append(self.account.public_id)
        return refs

    def notifications(self) -> QuerySet[Notification]:
        """Mail to the address (or to a pending new address of the account), or about one of the subject's rows."""
        return Notification.objects.filter(tenant=self.tenant).filter(
            Q(to_email__iexact=self.email) | Q(subject_ref__in=self._refs())
        )

    def webhook_deliveries(self) -> QuerySet[WebhookDelivery]:
        """Events about the subject's warranties and claims (their ordering key), or quoting the address."""
        keys = [*self.warranty_ids, *self.claim_ids]
        return WebhookDelivery.objects.filter(tenant=self.tenant).filter(
            Q(ordering_key__in=keys) | Q(body__icontains=self.email)
        )

    def idempotency_records(self) -> QuerySet[IdempotencyRecord]:
        """Stored answers of the account's requests, and of anyone's that quote the subject (a public registration)."""
        quoted = Q(body_text__icontains=self.email)
        for ref in self._refs():
            quoted |= Q(body_text__contains=ref)
        if self.account is not None:
            quoted |= Q(caller=f"user:{self.account.public_id}")
        return (
            IdempotencyRecord.objects.filter(tenant=self.tenant)
            .annotate(body_text=Cast("response_body", TextField()))
            .filter(quoted)
        )

    def tokens(self) -> QuerySet[OutstandingToken]:
        if self.account is None:
            return OutstandingToken.objects.none()
        return OutstandingToken.objects.filter(user=self.account)

    def background_tasks(self) -> list:
        """django-q2's stored tasks (results and queued ones of the ORM broker) whose arguments are this email."""
        def mine(args) -> bool:
            return bool(args) and len(args) >= 2 and args[0] == self.tenant.id and normalize_email(str(args[1])) == self.email

        found = [task for task in Task.objects.filter(func__in=EMAIL_ARGUMENT_TASKS) if mine(task.args)]
        for queued in OrmQ.objects.all():
            package = _unpacked(SignedPackage, queued.payload)
            if package and package.get("func") in EMAIL_ARGUMENT_TASKS and mine(package.get("args")):
                found.append(queued)
        return found

    def is_empty(self) -> bool:
        return not (
            self.account is not None
            or self.customers
            or self.transfer_ids
            or self.notifications().exists()
            or self.webhook_deliveries().exists()
            or self.idempotency_records().exists()
            or self.background_tasks()
        )


def _unpacked(signed_package, payload: str) -> dict | None:
    try:
        package = signed_package.loads(payload)
    except Exception:  # signed with another key, or not a task of ours: not readable, so not this person's
        return None
    return package if isinstance(package, dict) else None


def customer_subject(*, tenant: Tenant, email: str, for_update: bool = False) -> CustomerSubject:
    """The subject of a data request: the tenant's customer account and customer record(s) of `email`, and
    every warranty, claim and transfer reached from them. With `for_update`, the account and records are
    locked (call inside a transaction), so two erasures of one email take turns."""
    email = normalize_email(email)
    users = User.objects.filter(tenant=tenant, email__iexact=email)
    account = (users.select_for_update() if for_update else users).first()
    held = Q(email__iexact=email) | Q(account=account) if account is not None else Q(email__iexact=email)
    customers_qs = Customer.objects.filter(tenant=tenant).filter(held).order_by("created_at", "id")
    customers = list(customers_qs.select_for_update() if for_update else customers_qs)
    subject = CustomerSubject(tenant=tenant, email=email, account=account, customers=customers)

    owned = Q(customer_id__in=[c.id for c in customers])
    if account is not None:
        owned |= Q(owner=account)
    subject.warranty_ids = list(Warranty.objects.filter(tenant=tenant).filter(owned).values_list("id", flat=True))
    filed = Q(warranty_id__in=subject.warranty_ids)
    if account is not None:
        filed |= Q(submitted_by=account)
    subject.claim_ids = list(Claim.objects.filter(tenant=tenant).filter(filed).values_list("id", flat=True))
    offered = Q(warranty_id__in=subject.warranty_ids) | Q(to_email__iexact=email)
    if account is not None:
        offered |= Q(from_user=account)
    subject.transfer_ids = list(WarrantyTransfer.objects.filter(tenant=tenant).filter(offered).values_list("id", flat=True))
    return subject


# --- the export -------------------------------------------------------------------------------------------------


def _json_value(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if hasattr(value, "name") and hasattr(value, "storage"):  # a FieldFile: its stored name
        return value.name or ""
    return value


def _row(obj: models.Model, **extra) -> dict:
    """Every stored field of a row (a reference by the other row's public id), so a field added later is exported too."""
    hidden = EXPORT_HIDDEN.get(type(obj), set())
    out = {}
    for f in obj._meta.concrete_fields:
        if f.name in hidden:
            continue
        if f.is_relation:
            related_id = getattr(obj, f.attname)
            if related_id is not None and f.related_model is User:
                related_id = User.objects.filter(pk=related_id).values_list("public_id", flat=True).first()
            out[f.name] = related_id
        else:
            out[f.name] = _json_value(getattr(obj, f.attname))
    out.update(extra)
    return out


def _body(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return text


def _task_row(task) -> dict:
    if isinstance(task, Task):
        return {"name": task.name, "func": task.func, "args": list(task.args or ()), "started": _json_value(task.started),
                "success": task.success}
    return {"name": task.name(), "func": task.func(), "args": list(task.args() or ()), "started": None, "success": None}


def customer_data_export(*, tenant: Tenant, email: str) -> dict | None:
    """Everything held about `email` at `tenant`, as JSON-ready data; None when nothing is held."""
    subject = customer_subject(tenant=tenant, email=email)
    if subject.is_empty():
        return None
    api = f"/api/{tenant.slug}"
    tokens = subject.tokens().select_related("blacklistedtoken")
    return {
        "tenant": tenant.slug,
        "email": subject.email,
        "exported_at": _json_value(timezone.now()),
        "account": _row(subject.account) if subject.account is not None else None,
        "sessions": [
            {"created_at": _json_value(t.created_at), "expires_at": _json_value(t.expires_at),
             "revoked": hasattr(t, "blacklistedtoken")}
            for t in tokens.order_by("created_at", "id")
        ],
        "customers": [_row(c) for c in subject.customers],
        "warranties": [_row(w) for w in subject.warranties().order_by("created_at", "id")],
        "warranty_events": [
            _row(e) for qs in (subject.warranty_events(), subject.events_quoting()) for e in qs.order_by("created_at", "id")
        ],
        "warranty_transfers": [_row(t) for t in subject.transfers().order_by("created_at", "id")],
        "purchase_verifications": [_row(v) for v in subject.verifications().order_by("created_at")],
        "claims": [_row(c) for c in subject.claims().order_by("created_at", "id")],
        "claim_events": [_row(e) for e in subject.claim_events().order_by("created_at", "id")],
        "claim_messages": [_row(m) for m in subject.claim_messages().order_by("created_at", "id")],
        "fulfillments": [_row(f) for f in subject.fulfillments().order_by("created_at", "id")],
        "media": [_row(m, download=f"{api}/media/{m.id}") for m in subject.media().order_by("created_at", "id")],
        "notifications": [_row(n) for n in subject.notifications().order_by("created_at", "id")],
        "webhook_deliveries": [
            {**_row(d, body=_body(d.body))} for d in subject.webhook_deliveries().order_by("created_at", "id")
        ],
        "idempotency_records": [
            _row(r) for r in subject.idempotency_records().order_by("created_at", "id")
        ],
        "background_tasks": [_task_row(t) for t in subject.background_tasks()],
    }
