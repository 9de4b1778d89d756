"""Warranty writes: registration, the term, serial resolution, admin corrections, transfers of ownership."""

from __future__ import annotations

import calendar
import datetime
import functools
from contextlib import nullcontext
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.utils import timezone

from warranty_api.accounts.consent import marketing_consent_set
from warranty_api.accounts.customers import ADDRESS_KEYS, Customer, MarketingConsent
from warranty_api.accounts.models import User
from warranty_api.catalog.models import Category, KnownSerial, Product, normalize_serial
from warranty_api.catalog.selectors import tenant_catalog
from warranty_api.catalog.serials import matches_whole
from warranty_api.core.emails import is_erased_email, normalize_email
from warranty_api.core.exceptions import (
    ApiError,
    ApiMessage,
    Conflict,
    NotFound,
    PermissionDeniedError,
    Unprocessable,
    ValidationFailed,
)
from warranty_api.core.queueing import task_enqueue_after_commit, task_row_for_statement
from warranty_api.core.statements import mark_saved, prepared_cursor, prepared_read
from warranty_api.media.selectors import media_is_callers, media_unattached_of
from warranty_api.media.services import media_attach
from warranty_api.notifications.models import NotificationKind
from warranty_api.notifications.services import notification_new, notification_send_task, notify
from warranty_api.tenancy.languages import language_for_message
from warranty_api.tenancy.models import ReplacementTerms, Tenant, VerificationMode
from warranty_api.tenancy.selectors import tenant_from_row, tenant_select_columns
from warranty_api.warranties import events as warranty_events
from warranty_api.warranties.certificate import certificate_link
from warranty_api.warranties.error_codes import WarrantyErrorCode
from warranty_api.warranties.models import Warranty, WarrantyTransfer
from warranty_api.warranties.payloads import warranty_payload
from warranty_api.warranties.signals import warranty_awaits_purchase_check
from warranty_api.webhooks.models import WebhookEndpoint
from warranty_api.webhooks.services import webhook_event_emit

TRANSFER_MAX_AGE = datetime.timedelta(days=14)
_TRANSFER_SALT = "warranty_api.transfer"


# --- pure rules -----------------------------------------------------------------------------------------


def add_months(start: datetime.date, months: int) -> datetime.date:
    """Calendar months, clamped to the end of a shorter month: 2024-02-29 + 12 months is 2025-02-28."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Term:
    start: datetime.date
    end: datetime.date
    extended: bool


def warranty_term(
    *,
    purchase_date: datetime.date,
    registered_on: datetime.date,
    standard_months: int,
    extended_months: int | None,
    extension_window_days: int | None,
) -> Term:
    """The warranty a registration earns (TENANT_CONFIG.md): extended when registered within the window.

    The window is inclusive: with 30 days, a purchase on the 1st registered on the 31st still earns it.
    `None` as the window means the extension is earned whenever the registration arrives.
    """
    earned = bool(extended_months) and (
        extension_window_days is None or (registered_on - purchase_date).days <= extension_window_days
    )
    months = extended_months if earned else standard_months
    return Term(start=purchase_date, end=add_months(purchase_date, months), extended=earned)


def category_term(category: Category, tenant: Tenant, purchase_date: datetime.date, registered_on: datetime.date) -> Term:
    return warranty_term(
        purchase_date=purchase_date,
        registered_on=registered_on,
        standard_months=category.standard_months,
        extended_months=category.extended_months,
        extension_window_days=tenant.extension_window_days,
    )


@dataclass(frozen=True)
class ResolvedSerial:
    serial_number: str
    product: Product
    known: KnownSerial | None


@dataclass(frozen=True)
class _Owner:
    id: int
    public_id: str


def serial_resolve(tenant: Tenant, serial: str) -> ResolvedSerial:
    """Which product a serial is: the known list first, else the one product whose pattern matches whole.

    Raises 422 `serial_invalid_format`, `serial_unknown` or `serial_ambiguous` (API.md).
    """
    return _serial_resolve_and_owner(tenant, serial, owner_email=None)[0]


def _serial_resolve_and_owner(
    tenant: Tenant, serial: str, *, owner_email: str | None, lookup: _Lookup | None = None
) -> tuple[ResolvedSerial, _Lookup]:
    """`serial_resolve`, and the tenant's verified, active account of `owner_email` when one is named.

    Both come from one query (the registration's only read besides the tenant), or from `lookup` when it was
    made ahead for this serial and email; products come from the per-process catalog.
    """
    number = normalize_serial(serial)
    if tenant.serial_formats and not any(matches_whole(p, number) for p in tenant.serial_formats):
        raise Unprocessable(
            "This serial number does not have the format of this brand's serials.",
            code=WarrantyErrorCode.SERIAL_INVALID_FORMAT
        )
    if lookup is None or (lookup.number, lookup.owner_email) != (number, owner_email):
        lookup = _registration_lookup(tenant, number, owner_email)
    known_product, known_made = lookup.product_id, lookup.manufactured_on

    catalog = tenant_catalog(tenant=tenant)
    if known_product is not None:
        product = catalog.products.get(known_product)
        if product is None:  # added after this process read the catalog, behind the services' back
            product = Product.objects.select_related("category").get(pk=known_product)
        known = KnownSerial(tenant=tenant, serial_number=number, product=product, manufactured_on=known_made)
        return ResolvedSerial(number, product, known), lookup
    if tenant.require_known_serial:
        raise Unprocessable(
            "We do not know this serial number; check it on the product's label.",
            code=WarrantyErrorCode.SERIAL_UNKNOWN,
        )
    candidates = [p for p in catalog.patterned if matches_whole(p.serial_pattern, number)]
    if not candidates:
        raise Unprocessable(
            "We do not know this serial number; check it on the product's label.",
            code=WarrantyErrorCode.SERIAL_UNKNOWN,
        )
    if len(candidates) > 1:
        raise Unprocessable(
            "This serial number fits more than one product; contact the brand's support.",
            code=WarrantyErrorCode.SERIAL_AMBIGUOUS
        )
    return ResolvedSerial(number, candidates[0], None), lookup


def _announce(warranty: Warranty, event_type: str) -> None:
    """Tell the brand's own systems (outbound webhooks), in the transaction of the change."""
    webhook_event_emit(
        tenant=warranty.tenant, event_type=event_type, payload={"warranty": warranty_payload(warranty)},
        ordering_key=warranty.id,
    )


# Hand-written rather than ORM-built: compiling four annotated subqueries cost more CPU per registration
# than the rest of the service. Plain SQL that PostgreSQL and SQLite both run.
# The last column counts the tenant's enabled app webhook endpoints: with none (most tenants), the
# registration skips the endpoint query of `webhook_event_emit` (it would queue nothing).
_LOOKUP_COLUMNS = (
    "ks.product_id, ks.manufactured_on, u.id, u.public_id, "
    "(SELECT COUNT(*) FROM warranty_api_webhookendpoint e WHERE e.tenant_id = {tenant} AND e.purpose = %(app)s "
    "AND e.enabled = %(true)s)"
)
_LOOKUP_JOINS = (
    "LEFT JOIN warranty_api_knownserial ks ON ks.tenant_id = {tenant} AND ks.serial_number = %(number)s "
    "LEFT JOIN warranty_api_user u ON u.id = (SELECT v.id FROM warranty_api_user v "
    "WHERE v.tenant_id = {tenant} AND v.email = %(email)s AND v.email_verified_at IS NOT NULL "
    "AND v.is_active = %(true)s ORDER BY v.id LIMIT 1)"
)
_LOOKUP_SQL = (  # constant fragments; every value is a parameter
    f"SELECT {_LOOKUP_COLUMNS} FROM (SELECT 1 AS one) AS one {_LOOKUP_JOINS}"  # noqa: S608
).replace("{tenant}", "%(tenant_id)s")
# The same lookup joined to the tenant row by its slug: the public registration's first and only read, so an
# anonymous registration costs two round trips (this, then its one write). Format rules are checked after it,
# in Python, on the tenant it returns; the read has no effect, so the answers are those of the two-step way.
_TENANT_AND_LOOKUP_SQL = (
    f"SELECT {{tenant_columns}}, {_LOOKUP_COLUMNS} FROM warranty_api_tenant t {_LOOKUP_JOINS} "  # noqa: S608
    "WHERE t.slug = %(slug)s AND t.is_active = %(true)s ORDER BY t.id LIMIT 1"
).replace("{tenant}", "t.id")


@dataclass(frozen=True)
class _Lookup:
    product_id: str | None  # of the known-serial row, if any
    manufactured_on: datetime.date | None
    owner: _Owner | None
    app_endpoints: int
    number: str = ""  # what was looked up: a lookup made ahead is used only for the same serial and email
    owner_email: str | None = None


def _lookup_of(row, number: str, owner_email: str | None) -> _Lookup:
    product_id, made, owner_id, owner_public_id, app_endpoints = row
    if isinstance(made, str):  # SQLite answers dates as text
        made = datetime.date.fromisoformat(made)
    owner = _Owner(owner_id, owner_public_id) if owner_email is not None and owner_id is not None else None
    return _Lookup(product_id, made, owner, app_endpoints, number, owner_email)


def _lookup_params(number: str, email: str, **tenant) -> dict:
    return {"app": WebhookEndpoint.Purpose.APP, "true": True, "number": number, "email": email, **tenant}


def _registration_lookup(tenant: Tenant, number: str, owner_email: str | None) -> _Lookup:
    """The known-serial row of `number` (product id, manufacture date), the verified account of the email,
    and how many app webhook endpoints the tenant has enabled."""
    row = prepared_read(connection, _LOOKUP_SQL, _lookup_params(number, owner_email or "", tenant_id=tenant.id))
    return _lookup_of(row, number, owner_email)


def registration_tenant_and_lookup(slug: str, serial: str, email: str) -> tuple[Tenant | None, _Lookup | None]:
    """The active tenant of `slug` and, in the same statement, the lookup an anonymous registration of `serial`
    by `email` needs (pass it to `warranty_register` as `lookup`); (None, None) when there is no such tenant."""
    number, owner_email = normalize_serial(serial), normalize_email(email)
    row = prepared_read(connection, _tenant_and_lookup_sql(connection.vendor), _lookup_params(number, owner_email, slug=slug))
    if row is None:
        return None, None
    return tenant_from_row(row[:-5]), _lookup_of(row[-5:], number, owner_email)


@functools.cache
def _tenant_and_lookup_sql(vendor: str) -> str:
    return _TENANT_AND_LOOKUP_SQL.format(tenant_columns=tenant_select_columns("t"))


def warranty_snapshot(warranty: Warranty, *, owner_public_id: str | None = None) -> dict:
    """The fields the audit trail compares, as JSON (`owner_public_id` saves loading a known owner)."""
    owner = owner_public_id or (warranty.owner.public_id if warranty.owner_id else None)
    return {
        "status": warranty.status,
        "purchase_date": warranty.purchase_date.isoformat(),
        "warranty_start": warranty.warranty_start.isoformat(),
        "warranty_end": warranty.warranty_end.isoformat(),
        "extended": warranty.extended,
        "void_reason": warranty.void_reason,
        "notes": warranty.notes,
        "owner": owner,
    }


# --- registration ---------------------------------------------------------------------------------------

# No product registered here was bought before this: an earlier date is a typo (`0001-01-01`, a swapped century).
EARLIEST_PURCHASE_DATE = datetime.date(1990, 1, 1)


def _purchase_date_check(purchase_date: datetime.date, today: datetime.date) -> None:
    if purchase_date > today:
        raise ValidationFailed.field("purchase_date", "in_future", "The purchase date cannot be in the future.")
    if purchase_date < EARLIEST_PURCHASE_DATE:
        raise ValidationFailed.field(
            "purchase_date", "too_early", ApiMessage("The purchase date cannot be before %(earliest)s.", earliest=EARLIEST_PURCHASE_DATE.isoformat())
        )


def _customer_record(*, tenant: Tenant, email: str, name: str, phone: str, address: dict) -> Customer:
    """The tenant's record of `email`, created with these details when there is none; an existing one is kept
    as it is (only its verified account changes it: `accounts.account_update`)."""
    customer, _created = Customer.objects.get_or_create(
        tenant=tenant, email=email, defaults={"name": name, "phone": phone, "address": address}
    )
    return customer


# The tenant's record of this email in one INSERT ... ON CONFLICT ... RETURNING id: created with the
# registration's details when there is none; an existing record is left as it is (the update rewrites its own
# `updated_at`, changing nothing, so that RETURNING answers its id even when another registration created it at
# the same instant). Runs on PostgreSQL and SQLite (3.35+, RETURNING); on PostgreSQL it is also the first part
# of the registration's one statement (`_ONE_STATEMENT_SQL`).
_CUSTOMER_RECORD_SQL = """INSERT INTO warranty_api_customer (id, tenant_id, email, name, phone, address, marketing_opt_out,
created_at, updated_at) VALUES (%(customer_id)s, %(tenant_id)s, %(email)s, %(name)s, %(phone)s, %(address)s, FALSE,
%(now)s, %(now)s)
ON CONFLICT (tenant_id, email) DO UPDATE SET updated_at = warranty_api_customer.updated_at
RETURNING id"""


@dataclass(frozen=True)
class _CustomerFields:
    """The contact details a registration was sent with: its warranty's, and a new customer record's."""

    email: str
    name: str
    phone: str
    address: dict


def _required(tenant: Tenant, data: dict) -> None:
    customer = data.get("customer") or {}
    present = {
        "phone": bool(customer.get("phone")),
        "address": bool(customer.get("address")),
        "proof_of_purchase": bool(data.get("proof_of_purchase")),
        "retailer": bool(data.get("retailer")),
    }
    path = {"phone": "customer.phone", "address": "customer.address"}
    fields = {
        path.get(name, name): [{"code": "required", "message": "This brand needs this field to register a product."}]
        for name in tenant.required_fields
        if not present.get(name, True)
    }
    if fields:
        raise ValidationFailed(fields=fields)


def warranty_register(
    *,
    tenant: Tenant,
    data: dict,
    account: User | None = None,
    today: datetime.date | None = None,
    lookup: _Lookup | None = None,
) -> Warranty:
    """Register one serial for one customer; `data` is the validated body of POST /api/p/<tenant>/warranties.

    `account` is the signed-in customer (owner at once); otherwise the warranty is owned by the tenant's
    account with that email only when its email is verified, so a registration never hands a stranger's
    warranties to whoever typed the email. `lookup` is one made ahead by `registration_tenant_and_lookup`.

    What it writes, all or nothing: the customer record when the email has none (an existing record is never
    changed: the warranty keeps the contact details sent with it), the warranty, its audit event,
    the confirmation email's outbox row and its task, the purchase check when the brand verifies, and one
    webhook delivery per subscribed app endpoint. On PostgreSQL the customer, warranty, event, email and task
    rows go in one statement (one round trip, its own transaction when nothing else has to join it); on other
    databases, one INSERT each in a transaction.
    """
    connection = connections[DEFAULT_DB_ALIAS]  # the object itself: `django.db.connection` is a proxy to it
    today = today or timezone.localdate()
    _required(tenant, data)
    info = data["customer"]
    email = normalize_email(info["email"])
    if is_erased_email(email):  # a tombstone's address: registering with it would give the tombstone data again
        raise ValidationFailed.field("customer.email", "invalid", "Enter a valid email address.")
    # A signed-in caller owns the warranty; otherwise the account of that email, looked up with the serial.
    resolved, lookup = _serial_resolve_and_owner(
        tenant, data["serial_number"], owner_email=None if account is not None else email, lookup=lookup
    )
    purchase_date: datetime.date = data["purchase_date"]
    _purchase_date_check(purchase_date, today)
    if resolved.known and resolved.known.manufactured_on and purchase_date < resolved.known.manufactured_on:
        raise ValidationFailed.field(
            "purchase_date",
            "before_manufacture",
            ApiMessage("This unit was made on %(made)s; check the purchase date.",
                       made=resolved.known.manufactured_on.isoformat()),
        )

    if account is not None:
        owner_id, owner_public_id = account.id, account.public_id
    else:
        owner_id = lookup.owner.id if lookup.owner else None
        owner_public_id = lookup.owner.public_id if lookup.owner else None
    category = resolved.product.category
    term = category_term(category, tenant, purchase_date, today)
    required = tenant.verification == VerificationMode.REQUIRED
    customer = _CustomerFields(
        email=email,
        name=info["name"].strip(),
        phone=(info.get("phone") or "").strip(),
        address=info.get("address") or {},
    )
    warranty = Warranty(
        tenant=tenant,
        serial_number=resolved.serial_number,
        product=resolved.product,
        owner_id=owner_id,
        contact_name=customer.name,
        contact_phone=customer.phone,
        contact_address=customer.address,
        purchase_date=purchase_date,
        retailer=(data.get("retailer") or "").strip(),
        order_number=(data.get("order_number") or "").strip(),
        proof_of_purchase_id=data.get("proof_of_purchase") or None,
        warranty_start=term.start,
        warranty_end=term.end,
        extended=term.extended,
        coverage=category.coverage,
        transferable=category.transferable,
        status=Warranty.Status.PENDING_VERIFICATION if required else Warranty.Status.ACTIVE,
        verification=(
            Warranty.Verification.OFF if tenant.verification == VerificationMode.OFF else Warranty.Verification.PENDING
        ),
    )
    event_after = warranty_snapshot(warranty, owner_public_id=owner_public_id)
    language = language_for_message(tenant)
    notification = notification_new(
        tenant=tenant,
        kind=NotificationKind.REGISTRATION_CONFIRMATION,
        to=email,
        subject_ref=warranty.id,
        context={
            "customer_name": customer.name,
            "product_name": resolved.product.name,
            "serial_number": warranty.serial_number,
            "coverage": category.get_coverage_display(),
            "warranty_start": warranty.warranty_start.isoformat(),
            "warranty_end": warranty.warranty_end.isoformat(),
            # Registration needs no account, so the email's certificate link carries its own signed permission.
            "certificate_link": certificate_link(tenant=tenant, warranty_id=warranty.id, language=language),
        },
        language=language,
    )
    send_task = notification_send_task(notification)
    one_statement = connection.vendor == "postgresql"
    # The statement is its own transaction unless other writes must join it, or the caller has one open (then
    # a savepoint keeps a refused duplicate from spoiling the caller's transaction).
    needs_transaction = (
        not one_statement
        or connection.in_atomic_block
        or bool(warranty.proof_of_purchase_id)
        or warranty.verification == Warranty.Verification.PENDING
        or lookup.app_endpoints > 0
        or bool(info.get("marketing_consent"))
    )
    try:
        with transaction.atomic() if needs_transaction else nullcontext():
            if warranty.proof_of_purchase_id:
                media = media_unattached_of(tenant=tenant, ids=[warranty.proof_of_purchase_id]).first()
                # Someone else's upload is refused like a missing one: its existence is not revealed.
                if media is None or not media_is_callers(
                    media, user=account, upload_token=data.get("proof_of_purchase_token")
                ):
                    raise ValidationFailed.field(
                        "proof_of_purchase", "not_found",
                        "There is no unused upload of yours with this id; upload the receipt again and send the "
                        "upload_token its answer gave as proof_of_purchase_token.",
                    )
                media_attach(media=media)
                warranty.proof_of_purchase = media
            # No pre-check: the partial unique constraint `warranty_unique_live_serial` is the guard, also for
            # two registrations at the same instant. Its IntegrityError leaves this block (the statement, the
            # registration's savepoint or its transaction), rolling back the customer and media changes too.
            if one_statement:
                _register_rows_one_statement(customer, warranty, account, event_after, notification, send_task,
                                             connection)
            else:
                event = warranty_events.warranty_registered_row(warranty, actor=account, after=event_after)
                _register_rows(customer, warranty, event, notification, send_task, connection)
            # Only `customer_id` is set: the purchase check and the webhook payload that read the record load the
            # stored one, which may be an earlier registration's.
            if warranty.verification == Warranty.Verification.PENDING:
                # Inside the transaction: the durable check row commits with the warranty (or not at all).
                warranty_awaits_purchase_check.send(sender=Warranty, warranty=warranty)
            if lookup.app_endpoints:
                _announce(warranty, "warranty.registered")
            if info.get("marketing_consent"):
                marketing_consent_set(tenant=tenant, customer=Customer.objects.get(tenant=tenant, email=email),
                                      granted=True, source=MarketingConsent.Source.REGISTRATION,
                                      email_confirmed=account is not None and account.email_verified
                                      and account.email == email)
    except IntegrityError as exc:
        if "warranty_unique_live_serial" in str(exc) or "serial_number" in str(exc):
            raise _already_registered() from exc
        raise
    return warranty


def _register_rows(customer: _CustomerFields, warranty, event, notification, send_task, connection) -> None:
    """The registration's rows, one INSERT each (inside the caller's transaction)."""
    fields = {f.name: f for f in Customer._meta.concrete_fields}
    now = fields["created_at"].get_db_prep_value(timezone.now(), connection)
    with connection.cursor() as cursor:
        cursor.execute(_CUSTOMER_RECORD_SQL, {
            "customer_id": Customer._meta.pk.get_default(), "tenant_id": warranty.tenant_id, "email": customer.email,
            "name": customer.name, "phone": customer.phone, "now": now,
            "address": fields["address"].get_db_prep_value(customer.address, connection),
        })
        warranty.customer_id = cursor.fetchone()[0]
    warranty.save(force_insert=True)
    event.save(force_insert=True)
    notification.save(force_insert=True)
    func, argument, task_name = send_task
    task_enqueue_after_commit(func, argument, task_name=task_name)


# The registration's rows in one PostgreSQL statement. Its text is the same on every call (values are named
# parameters), so `prepared_cursor` has PostgreSQL plan it once per connection.
_ROWS_AFTER_CUSTOMER_SQL = """w AS (INSERT INTO warranty_api_warranty (id, tenant_id, customer_id, serial_number, product_id, owner_id,
contact_name, contact_phone, contact_address, purchase_date, retailer, order_number, proof_of_purchase_id, warranty_start, warranty_end, extended, coverage,
transferable, status, verification, verification_detail, void_reason, notes, replaces_id, created_at, updated_at)
VALUES (%(warranty_id)s, %(tenant_id)s, (SELECT id FROM c), %(serial_number)s, %(product_id)s, %(owner_id)s,
%(name)s, %(phone)s, %(address)s, %(purchase_date)s, %(retailer)s, %(order_number)s, %(proof_of_purchase_id)s, %(warranty_start)s,
%(warranty_end)s, %(extended)s, %(coverage)s, %(transferable)s, %(status)s, %(verification)s,
%(verification_detail)s, %(void_reason)s, %(notes)s, %(replaces_id)s, %(now)s, %(now)s)),
e AS (INSERT INTO warranty_api_warrantyevent (tenant_id, warranty_id, actor_id, action, before, after, note,
created_at) VALUES (%(tenant_id)s, %(warranty_id)s, %(actor_id)s, %(action)s, %(before)s, %(after)s,
%(note)s, %(now)s)),
n AS (INSERT INTO warranty_api_notification (id, tenant_id, kind, to_email, context, subject_ref, dedupe_key,
status, attempts, max_attempts, next_attempt_at, lease_until, last_error, sent_at, rendered_subject, created_at,
updated_at, language) VALUES (%(notification_id)s, %(tenant_id)s, %(kind)s, %(to_email)s, %(context)s, %(subject_ref)s,
%(dedupe_key)s, %(notification_status)s, %(attempts)s, %(max_attempts)s, %(next_attempt_at)s,
%(lease_until)s, %(last_error)s, %(sent_at)s, %(rendered_subject)s, %(now)s, %(now)s, %(language)s))"""
_ONE_STATEMENT_SQL = "WITH c AS (" + _CUSTOMER_RECORD_SQL + "),\n" + _ROWS_AFTER_CUSTOMER_SQL
_TASK_ROW_SQL = """,
q AS (INSERT INTO django_q_ormq (key, payload, lock) VALUES (%(task_key)s, %(task_payload)s, %(task_lock)s))"""
_ONE_STATEMENT = {  # constant text; every value is a parameter
    True: _ONE_STATEMENT_SQL + _TASK_ROW_SQL + " SELECT id FROM c",  # noqa: S608
    False: _ONE_STATEMENT_SQL + " SELECT id FROM c",  # noqa: S608
}


def _register_rows_one_statement(
    customer: _CustomerFields, warranty, actor, event_after: dict, notification, send_task, connection
) -> None:
    """The registration's rows in one PostgreSQL statement: the customer record (when the email has none),
    warranty (its contact details are the record's parameters, as sent), its "registered" audit event, email
    and, with the ORM broker, the email's task row (any other broker is told after the commit). The customer
    record and the event are written from their values: no model instance is built for them."""
    from psycopg.types.json import Jsonb  # the PostgreSQL driver: only this vendor's statement loads it

    func, argument, task_name = send_task
    task_row = task_row_for_statement(func, argument, task_name=task_name)
    now = timezone.now()
    for obj in (warranty, notification):
        obj.created_at = obj.updated_at = now
    params = {
        "tenant_id": warranty.tenant_id, "now": now,
        "customer_id": Customer._meta.pk.get_default(), "email": customer.email, "name": customer.name,
        "phone": customer.phone, "address": Jsonb(customer.address),
        "warranty_id": warranty.id, "serial_number": warranty.serial_number, "product_id": warranty.product_id,
        "owner_id": warranty.owner_id, "purchase_date": warranty.purchase_date, "retailer": warranty.retailer,
        "order_number": warranty.order_number, "proof_of_purchase_id": warranty.proof_of_purchase_id,
        "warranty_start": warranty.warranty_start, "warranty_end": warranty.warranty_end,
        "extended": warranty.extended, "coverage": warranty.coverage, "transferable": warranty.transferable,
        "status": warranty.status, "verification": warranty.verification,
        "verification_detail": Jsonb(warranty.verification_detail), "void_reason": warranty.void_reason,
        "notes": warranty.notes, "replaces_id": warranty.replaces_id,
        "actor_id": actor.id if actor is not None else None, "action": warranty_events.REGISTERED,
        "before": Jsonb({}),
        "after": Jsonb(event_after), "note": "",
        "notification_id": notification.id, "kind": notification.kind, "to_email": notification.to_email,
        "context": Jsonb(notification.context), "subject_ref": notification.subject_ref,
        "dedupe_key": notification.dedupe_key, "notification_status": notification.status,
        "attempts": notification.attempts, "max_attempts": notification.max_attempts,
        "next_attempt_at": notification.next_attempt_at, "lease_until": notification.lease_until,
        "last_error": notification.last_error, "sent_at": notification.sent_at,
        "rendered_subject": notification.rendered_subject, "language": notification.language,
    }
    if task_row is not None:
        params["task_key"], params["task_payload"], params["task_lock"] = task_row
    with prepared_cursor(connection) as cursor:
        cursor.execute(_ONE_STATEMENT[task_row is not None], params)
        warranty.customer_id = cursor.fetchone()[0]
    for obj in (warranty, notification):
        mark_saved(obj, connection)
    if task_row is None:
        task_enqueue_after_commit(func, argument, task_name=task_name)


def _already_registered() -> ApiError:
    return Conflict(
        "This serial number is already registered. If it is yours, contact the brand's support.",
        code=WarrantyErrorCode.SERIAL_ALREADY_REGISTERED,
    )


def warranties_claim_for_account(*, tenant: Tenant, user: User) -> int:
    """Give a newly verified account the warranties registered with its email that have no owner yet."""
    if not user.email or user.tenant_id != tenant.id:
        return 0
    with transaction.atomic():
        ids = list(
            Warranty.objects.filter(tenant=tenant, owner__isnull=True, customer__email=normalize_email(user.email))
            .select_for_update()
            .values_list("id", flat=True)
        )
        if not ids:
            return 0
        Warranty.objects.filter(id__in=ids).update(owner=user, updated_at=timezone.now())
        warranty_events.owner_attached(tenant=tenant, warranty_ids=ids, owner=user)
    return len(ids)


# --- admin corrections ----------------------------------------------------------------------------------

ADMIN_PATCH_FIELDS = ("status", "void_reason", "purchase_date", "warranty_end", "notes", "note")


@transaction.atomic
def warranty_admin_update(
    *, tenant: Tenant, warranty_id: str, actor: User, changes: dict, today: datetime.date | None = None
) -> Warranty:
    """Void with a reason, reinstate, correct the purchase date (term recomputed), extend the end, notes.

    Every call that changes something writes one WarrantyEvent with the fields before and after.
    """
    today = today or timezone.localdate()
    warranty = (
        Warranty.objects.select_for_update()
        .filter(tenant=tenant, id=warranty_id)
        .first()
    )
    if warranty is None:
        raise NotFound()
    if warranty.status == Warranty.Status.TRANSFERRED:
        raise Conflict(
            "This warranty was transferred; change its successor instead.", code=WarrantyErrorCode.INVALID_TRANSITION,
        )
    before = warranty_snapshot(warranty)
    actions = []

    status = changes.get("status")
    if status == Warranty.Status.VOID:
        reason = (changes.get("void_reason") or "").strip()
        if not reason:
            raise ValidationFailed.field("void_reason", "required", "Say why the warranty is void.")
        if warranty.status == Warranty.Status.VOID:
            raise Conflict("This warranty is already void.", code=WarrantyErrorCode.INVALID_TRANSITION)
        warranty.status = Warranty.Status.VOID
        warranty.void_reason = reason
        actions.append("voided")
    elif status == Warranty.Status.ACTIVE:
        if warranty.status == Warranty.Status.ACTIVE:
            raise Conflict("This warranty is already active.", code=WarrantyErrorCode.INVALID_TRANSITION)
        warranty.status = Warranty.Status.ACTIVE
        warranty.void_reason = ""
        actions.append("reinstated")
    elif status is not None:
        raise ValidationFailed.field("status", "invalid_choice", "Staff may set status to void or active only.")
    elif "void_reason" in changes:
        raise ValidationFailed.field("void_reason", "not_allowed", "A void reason goes with status void.")

    if "purchase_date" in changes:
        purchase_date = changes["purchase_date"]
        _purchase_date_check(purchase_date, today)
        known = KnownSerial.objects.filter(tenant=tenant, serial_number=warranty.serial_number).first()
        if known and known.manufactured_on and purchase_date < known.manufactured_on:
            raise ValidationFailed.field(
                "purchase_date", "before_manufacture", ApiMessage("This unit was made on %(made)s.", made=known.manufactured_on.isoformat())
            )
        category = warranty.product.category
        term = category_term(category, tenant, purchase_date, timezone.localdate(warranty.created_at))
        warranty.purchase_date = purchase_date
        warranty.warranty_start, warranty.warranty_end, warranty.extended = term.start, term.end, term.extended
        actions.append("purchase_date_corrected")

    if "warranty_end" in changes:
        end = changes["warranty_end"]
        if end <= warranty.warranty_end:
            raise ValidationFailed.field(
                "warranty_end", "not_later", "An extension must end after the current end date."
            )
        warranty.warranty_end = end
        actions.append("extended")

    if "notes" in changes:
        warranty.notes = changes["notes"] or ""
        actions.append("notes_changed")

    after = warranty_snapshot(warranty)
    if after == before and not changes.get("note"):
        return warranty
    warranty.save()
    changed = {k for k in after if after[k] != before[k]}
    warranty_events.warranty_corrected(
        warranty, actor=actor, actions=actions, before={k: before[k] for k in changed},
        after={k: after[k] for k in changed}, note=(changes.get("note") or "").strip(),
    )
    _announce(warranty, "warranty.updated")
    return warranty


# --- transfers ------------------------------------------------------------------------------------------


def transfer_token(transfer: WarrantyTransfer) -> str:
    return signing.TimestampSigner(salt=_TRANSFER_SALT).sign(transfer.id)


@transaction.atomic
def warranty_transfer_start(*, tenant: Tenant, warranty_id: str, user: User, email: str) -> WarrantyTransfer:
    """The owner offers the warranty to another email; the link to accept goes to that email."""
    warranty = Warranty.objects.select_for_update().filter(tenant=tenant, id=warranty_id, owner=user).first()
    if warranty is None:
        raise NotFound()
    if not warranty.transferable:
        raise Unprocessable(
            "Warranties of this product cannot be transferred.", code=WarrantyErrorCode.WARRANTY_NOT_TRANSFERABLE,
        )
    effective = warranty.effective_status()
    if effective == "expired":
        raise Unprocessable("This warranty has expired.", code=WarrantyErrorCode.WARRANTY_EXPIRED)
    if effective != Warranty.Status.ACTIVE:
        raise Conflict("Only an active warranty can be transferred.", code=WarrantyErrorCode.INVALID_TRANSITION)
    email = normalize_email(email)
    if email == normalize_email(user.email):
        raise ValidationFailed.field("email", "same_owner", "This is your own email; name the new owner's.")
    if WarrantyTransfer.objects.filter(warranty=warranty, status=WarrantyTransfer.Status.PENDING).exists():
        raise Conflict(
            "A transfer of this warranty is already waiting to be accepted.",
            code=WarrantyErrorCode.TRANSFER_ALREADY_PENDING,
        )
    transfer = WarrantyTransfer.objects.create(tenant=tenant, warranty=warranty, from_user=user, to_email=email)
    warranty_events.transfer_started(warranty, actor=user, to_email=email)
    link = f"{settings.AFTERSALE_PUBLIC_BASE_URL}/{tenant.slug}/accept-transfer?{urlencode({'token': transfer_token(transfer)})}"
    notify(
        tenant=tenant,
        kind=NotificationKind.TRANSFER_OFFERED,
        to=email,
        subject_ref=transfer.id,
        context={
            "from_name": user.full_name or user.email,
            "product_name": warranty.product.name,
            "serial_number": warranty.serial_number,
            "warranty_end": warranty.warranty_end.isoformat(),
            "link": link,
        },
    )
    return transfer


def warranty_transfer_accept(*, tenant: Tenant, user: User, token: str) -> Warranty:
    """The invited customer takes the warranty over: the old row becomes `transferred`, a new row is theirs."""
    try:
        transfer_id = signing.TimestampSigner(salt=_TRANSFER_SALT).unsign(token, max_age=TRANSFER_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationFailed.field("token", "expired", "This transfer link has expired; ask for a new one.") from None
    except signing.BadSignature:
        raise ValidationFailed.field("token", "invalid", "This transfer link is not valid.") from None
    with transaction.atomic():
        transfer = (
            WarrantyTransfer.objects.select_for_update()
            .filter(tenant=tenant, id=transfer_id)
            .select_related("warranty")
            .first()
        )
        if transfer is None or normalize_email(user.email) != transfer.to_email:
            raise NotFound()
        if not user.email_verified:
            raise PermissionDeniedError(
                "Verify your email before accepting a transfer.", code=WarrantyErrorCode.EMAIL_NOT_VERIFIED,
            )
        if transfer.status != WarrantyTransfer.Status.PENDING:
            raise Conflict(
                "This transfer was already accepted or cancelled.", code=WarrantyErrorCode.INVALID_TRANSITION,
            )
        old = Warranty.objects.select_for_update().get(pk=transfer.warranty_id)
        if old.status != Warranty.Status.ACTIVE:
            raise Conflict("This warranty can no longer be transferred.", code=WarrantyErrorCode.INVALID_TRANSITION)
        old_before = warranty_snapshot(old)
        old.status = Warranty.Status.TRANSFERRED
        old.save(update_fields=["status", "updated_at"])
        customer = _customer_record(
            tenant=tenant, email=transfer.to_email, name=user.full_name, phone=user.phone, address=user.address
        )
        new = _successor_create(
            old,
            customer_id=customer.id,
            owner_id=user.id,
            # The new owner's details, never the previous owner's.
            contact_name=user.full_name,
            contact_phone=user.phone,
            contact_address=user.address,
            proof_of_purchase_id=old.proof_of_purchase_id,
            extended=old.extended,
            verification=old.verification,
            verification_detail=old.verification_detail,
        )
        transfer.status = WarrantyTransfer.Status.ACCEPTED
        transfer.accepted_at = timezone.now()
        transfer.new_warranty = new
        transfer.save()
        warranty_events.warranty_transferred(old, new, actor=user, status_before=old_before["status"],
                                             new_snapshot=warranty_snapshot(new))
        if transfer.from_user_id and transfer.from_user.email:
            notify(
                tenant=tenant,
                kind=NotificationKind.TRANSFER_ACCEPTED,
                to=transfer.from_user.email,
                subject_ref=transfer.id,
                context={
                    "customer_name": transfer.from_user.full_name,
                    "product_name": new.product.name,
                    "serial_number": new.serial_number,
                },
            )
        _announce(old, "warranty.updated")
        _announce(new, "warranty.registered")
    return new


def _successor_create(old: Warranty, **changes) -> Warranty:
    """A new active warranty continuing `old` (a transfer's or a replacement's), with `changes` applied."""
    fields = {
        "tenant_id": old.tenant_id,
        "serial_number": old.serial_number,
        "product_id": old.product_id,
        "customer_id": old.customer_id,
        "owner_id": old.owner_id,
        "contact_name": old.contact_name,
        "contact_phone": old.contact_phone,
        "contact_address": old.contact_address,
        "purchase_date": old.purchase_date,
        "retailer": old.retailer,
        "order_number": old.order_number,
        "warranty_start": old.warranty_start,
        "warranty_end": old.warranty_end,
        "coverage": old.coverage,
        "transferable": old.transferable,
        "status": Warranty.Status.ACTIVE,
        "replaces": old,
    }
    return Warranty.objects.create(**{**fields, **changes})


def warranty_replace(*, tenant: Tenant, warranty_id: str, serial: str, actor: User | None, note: str) -> Warranty:
    """A replacement unit's own warranty; the replaced one becomes void, "replaced by <new id>".

    Terms follow `tenant.replacement_terms`: `new_term` starts today with the category's standard months;
    `remainder` starts today and ends when the old warranty would have. Call inside the caller's transaction.
    """
    old = (
        Warranty.objects.select_for_update(of=("self",))
        .select_related("product__category")
        .get(tenant=tenant, id=warranty_id)
    )
    category = old.product.category
    today = timezone.localdate()
    if tenant.replacement_terms == ReplacementTerms.REMAINDER:
        end = max(old.warranty_end, today)
    else:
        end = add_months(today, category.standard_months)
    serial = normalize_serial(serial)
    before = warranty_snapshot(old)
    old.status = Warranty.Status.VOID
    try:
        with transaction.atomic():
            new = _successor_create(
                old,
                serial_number=serial,
                warranty_start=today,
                warranty_end=end,
                coverage=category.coverage,
                transferable=category.transferable,
                notes=f"Replacement unit ({note})",
            )
    except IntegrityError:
        raise Conflict(
            "This serial is already registered; ship another unit or check the serial.",
            code=WarrantyErrorCode.SERIAL_ALREADY_REGISTERED,
        ) from None
    old.void_reason = f"replaced by {new.id}"
    old.save(update_fields=["status", "void_reason", "updated_at"])
    warranty_events.warranty_replaced(old, new, actor=actor, before=before, old_after=warranty_snapshot(old),
                                      new_snapshot=warranty_snapshot(new), note=note)
    _announce(old, "warranty.updated")
    _announce(new, "warranty.registered")
    return new


# --- staff corrections of contact details ---------------------------------------------------------------


_CONTACT_FIELDS = {"name": "contact_name", "phone": "contact_phone", "address": "contact_address"}


@transaction.atomic
def warranty_contact_correct(*, tenant: Tenant, warranty_id: str, actor: User, changes: dict, note: str = "") -> Warranty:
    """Staff correct the name, phone or address a warranty ships and writes to; one audit event, before and after.

    The warranty's own contact details are what a fulfillment uses (`selectors.warranty_contact`), so this is the
    correction that reaches the parcel; the customer record stays the customer's own to change from their account.
    """
    refused = [name for name in changes if name not in _CONTACT_FIELDS]
    if refused:
        raise ValidationFailed(
            fields={name: [{"code": "not_allowed", "message": "This field cannot be changed here."}] for name in refused}
        )
    name, phone, address = changes.get("name"), changes.get("phone"), changes.get("address")
    if name is not None and (not isinstance(name, str) or not name.strip() or len(name) > 200):
        raise ValidationFailed.field("name", "invalid", "Give a name of 1 to 200 characters.")
    if phone is not None and (not isinstance(phone, str) or len(phone) > 40):
        raise ValidationFailed.field("phone", "invalid", "Give a phone number of at most 40 characters.")
    if address is not None:
        if not isinstance(address, dict) or not all(
            k in ADDRESS_KEYS and isinstance(v, str) and len(v) <= 200 for k, v in address.items()
        ):
            raise ValidationFailed.field(
                "address", "invalid", ApiMessage("An address has only these parts, each text: %(parts)s.", parts=", ".join(ADDRESS_KEYS))
            )
        address = {k: v.strip() for k, v in address.items() if v.strip()}
    warranty = Warranty.objects.select_for_update().filter(tenant=tenant, id=warranty_id).first()
    if warranty is None:
        raise NotFound()
    if warranty.status == Warranty.Status.TRANSFERRED:
        raise Conflict(
            "This warranty was transferred; change its successor instead.", code=WarrantyErrorCode.INVALID_TRANSITION,
        )
    values = {"name": name.strip() if name is not None else None, "phone": phone.strip() if phone is not None else None,
              "address": address}
    before, after = {}, {}
    for field, attr in _CONTACT_FIELDS.items():
        if values[field] is None or getattr(warranty, attr) == values[field]:
            continue
        before[attr], after[attr] = getattr(warranty, attr), values[field]
        setattr(warranty, attr, values[field])
    if not after:
        return warranty
    warranty.save(update_fields=[*after, "updated_at"])
    warranty_events.contact_corrected(warranty, actor=actor, before=before, after=after, note=(note or "").strip())
    _announce(warranty, "warranty.updated")
    return warranty
