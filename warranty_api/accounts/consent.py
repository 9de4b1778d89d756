"""A customer's marketing consent: the brand's opt-in wording, each answer logged with what was shown, and the
`customer.consent_changed` webhook that hands it to the brand's own tools.

The product sends no marketing itself; the answer matters to it in one place: a withdrawal (`marketing_opt_out`)
keeps the brand's service notices away too. Safety notices and the messages about a customer's own warranties
and claims reach them whatever they answered.
"""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext

from warranty_api.accounts.customers import Customer, MarketingConsent
from warranty_api.core.exceptions import ValidationFailed
from warranty_api.core.timestamps import iso_z
from warranty_api.tenancy.models import Tenant
from warranty_api.webhooks.services import webhook_event_emit

CONSENT_CHANGED = "customer.consent_changed"
Source = MarketingConsent.Source


def marketing_consent_text(tenant: Tenant) -> str:
    """The words beside the opt-in checkbox, in the active language: the brand's own, else the product's."""
    own = (tenant.marketing_consent_text or "").strip()
    if own:
        return own
    # Worded without "email": the portal's fields are found by their labels, and this one is not the email's.
    return gettext("Send me %(brand)s's news, service notices and offers. I can withdraw this at any time in my "
                   "account.") % {"brand": tenant.name}


def consent_text_version(text: str) -> str:
    """Names one wording: the same words give the same version, so a brand can tell who agreed to which."""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def marketing_consent_latest(*, customer: Customer | None) -> MarketingConsent | None:
    if customer is None:
        return None
    return customer.marketing_consents.order_by("-created_at", "-id").first()


def consent_payload(row: MarketingConsent, customer: Customer) -> dict:
    return {
        "id": row.id,
        "customer": {"id": customer.id, "email": customer.email, "name": customer.name},
        "granted": row.granted,
        "text": row.text,
        "text_version": row.text_version,
        "language": row.language,
        "source": row.source,
        "email_confirmed": row.email_confirmed,
        "at": iso_z(row.created_at),
    }


def marketing_consent_set(
    *, tenant: Tenant, customer: Customer, granted: bool, source: str, email_confirmed: bool = False
) -> MarketingConsent | None:
    """Record the customer's answer when it changes theirs, with the wording shown now; None when nothing changed.

    An unticked box at registration or sign-up is no answer (nothing is recorded); on the account screen it is a
    withdrawal. Each recorded answer goes to the brand's apps as `customer.consent_changed`.
    """
    if not isinstance(granted, bool):
        raise ValidationFailed.field("marketing_consent", "invalid", "marketing_consent is true or false.")
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        latest = marketing_consent_latest(customer=customer)
        current = latest.granted if latest is not None else None
        if current == granted or (current is None and not granted and source != Source.ACCOUNT):
            return None
        text = marketing_consent_text(tenant)
        row = MarketingConsent.objects.create(
            tenant=tenant, customer=customer, granted=granted, text=text, text_version=consent_text_version(text),
            language=translation.get_language() or "", source=source, email_confirmed=email_confirmed,
        )
        if customer.marketing_opt_out == granted:
            customer.marketing_opt_out = not granted
            customer.save(update_fields=["marketing_opt_out", "updated_at"])
        webhook_event_emit(tenant=tenant, event_type=CONSENT_CHANGED, payload=consent_payload(row, customer),
                           ordering_key=customer.id)
    return row


def marketing_consent_log(*, tenant: Tenant, granted: bool | None = None) -> QuerySet[MarketingConsent]:
    """The brand's consent log, newest first: what `GET .../admin/consents` pages through."""
    rows = MarketingConsent.objects.filter(tenant=tenant).select_related("customer").order_by("-created_at", "-id")
    if granted is not None:
        rows = rows.filter(granted=granted)
    return rows
