"""Sending a recall or safety notice: match its audience, write one email per reachable owner, mark the warranties.

Everything a notice writes goes in one transaction: the notice, one `NoticeWarranty` per affected registration and
one outbox `Notification` per reachable owner, whose `dedupe_key` (`notice:<id>:<email>`) makes "each owner once" a
constraint of the table. The rows are written in bulk (hundreds of thousands in seconds); after the commit,
workers take them in batches (`NOTICE_SEND_BATCH`), each row with its lease, so a worker killed halfway leaves the
rest queued for the next worker or the outbox sweep, and nothing is sent twice.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django_q.models import OrmQ

from warranty_api.accounts.models import User
from warranty_api.catalog.models import KnownSerial, normalize_serial
from warranty_api.core.emails import is_erased_email
from warranty_api.core.ids import new_public_id
from warranty_api.core.queueing import task_enqueue_after_commit, task_row_for_statement
from warranty_api.notices.models import Notice, NoticeWarranty
from warranty_api.notifications.models import Notification, NotificationKind
from warranty_api.notifications.services import brand_values, notification_new
from warranty_api.tenancy.languages import default_language, offered
from warranty_api.tenancy.models import Tenant
from warranty_api.warranties.models import Warranty

# The warranties whose owner the notice is for: a transferred row has a successor, a void one was replaced.
_LIVE = (Warranty.Status.ACTIVE, Warranty.Status.PENDING_VERIFICATION)
_BULK = 5000


def _known_filter(audience: dict) -> dict:
    known = {}
    if audience.get("manufactured_from"):
        known["manufactured_on__gte"] = audience["manufactured_from"]
    if audience.get("manufactured_to"):
        known["manufactured_on__lte"] = audience["manufactured_to"]
    if audience.get("import_batch"):
        known["import_batch"] = audience["import_batch"]
    return known


def _serial_filter(audience: dict, prefix: str = "") -> dict:
    out = {}
    if audience.get("skus"):
        out[f"{prefix}product__sku__in"] = audience["skus"]
    if audience.get("categories"):
        out[f"{prefix}product__category__slug__in"] = audience["categories"]
    if audience.get("serial_prefix"):
        out["serial_number__startswith"] = normalize_serial(audience["serial_prefix"])
    # Serials compare as text: a range is meant for serials of one width (SN-CA-00010000 to SN-CA-00019999).
    if audience.get("serial_from"):
        out["serial_number__gte"] = normalize_serial(audience["serial_from"])
    if audience.get("serial_to"):
        out["serial_number__lte"] = normalize_serial(audience["serial_to"])
    return out


def audience_known(*, tenant: Tenant, audience: dict) -> QuerySet[KnownSerial]:
    return KnownSerial.objects.filter(tenant=tenant, **_serial_filter(audience), **_known_filter(audience))


def audience_warranties(*, tenant: Tenant, audience: dict) -> QuerySet[Warranty]:
    """Registered units the audience names (every key given must match); a transferred row is its successor's."""
    qs = Warranty.objects.filter(tenant=tenant, **_serial_filter(audience)).exclude(status=Warranty.Status.TRANSFERRED)
    if known := _known_filter(audience):
        qs = qs.filter(Exists(KnownSerial.objects.filter(tenant=tenant, serial_number=OuterRef("serial_number"),
                                                         **known)))
    return qs


def audience_reachable(*, tenant: Tenant, audience: dict, kind: str) -> QuerySet[Warranty]:
    """The affected warranties whose current owner can be emailed: a live warranty, an active account with a
    verified email; a service notice also skips owners who opted out of marketing email."""
    qs = audience_warranties(tenant=tenant, audience=audience).filter(
        status__in=_LIVE, owner__isnull=False, owner__is_active=True, owner__email_verified_at__isnull=False
    )
    if kind != Notice.Kind.SAFETY:
        qs = qs.filter(customer__marketing_opt_out=False)
    return qs


@dataclass
class Reach:
    units_known: int
    units_registered: int
    units_reachable: int
    owners_reachable: int

    @property
    def reach_percent(self) -> float | None:
        base = self.units_known or self.units_registered
        return round(100 * self.units_reachable / base, 2) if base else None

    def as_dict(self) -> dict:
        return {"units_known": self.units_known, "units_registered": self.units_registered,
                "units_reachable": self.units_reachable, "owners_reachable": self.owners_reachable,
                "reach_percent": self.reach_percent}


def notice_reach(*, tenant: Tenant, audience: dict, kind: str) -> Reach:
    reachable = audience_reachable(tenant=tenant, audience=audience, kind=kind)
    return Reach(
        units_known=audience_known(tenant=tenant, audience=audience).count(),
        units_registered=audience_warranties(tenant=tenant, audience=audience).count(),
        units_reachable=reachable.count(),
        owners_reachable=reachable.values("owner__email").distinct().count(),
    )


def notice_send(*, tenant: Tenant, actor: User | None, title: str, message: str, kind: str, audience: dict) -> Notice:
    """Write the notice, mark its warranties and queue one email per reachable owner, all or nothing."""
    reach = notice_reach(tenant=tenant, audience=audience, kind=kind)
    now = timezone.now()
    brand_values(tenant)  # fail before writing anything if the brand cannot render
    with transaction.atomic():
        notice = Notice.objects.create(
            tenant=tenant, title=title, message=message, kind=kind, audience=audience, created_by=actor,
            units_known=reach.units_known, units_registered=reach.units_registered,
            owners_reachable=reach.owners_reachable, queued_at=now,
        )
        _mark_warranties(notice, audience_warranties(tenant=tenant, audience=audience))
        ids = _queue_emails(notice, audience_reachable(tenant=tenant, audience=audience, kind=kind))
        _queue_batches(notice, ids)
        Notice.objects.filter(pk=notice.pk).update(status=Notice.Status.SENT)
    notice.refresh_from_db()
    return notice


def _mark_warranties(notice: Notice, affected: QuerySet[Warranty]) -> None:
    """One INSERT ... SELECT: the marks never pass through Python."""
    select, params = affected.order_by().values_list("id").query.sql_with_params()
    table = NoticeWarranty._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (notice_id, warranty_id) SELECT %s, affected.id FROM ({select}) affected",  # noqa: S608
            [notice.pk, *params],
        )


def _queue_emails(notice: Notice, reachable: QuerySet[Warranty]) -> list[str]:
    """One outbox row per owner email (its first affected warranty named in the message), inserted in bulk."""
    tenant = notice.tenant
    rows = (reachable.order_by("owner__email", "id")
            .values_list("id", "serial_number", "product__name", "owner__email", "owner__full_name", "customer__name",
                         "owner__language"))
    base = {"notice_title": notice.title, "notice_message": notice.message, "notice_kind": notice.kind}
    # The placeholders are checked once, as `notify()` checks each message; every row has the same keys.
    notification_new(tenant=tenant, kind=NotificationKind.PRODUCT_NOTICE, to="check@example.com",
                     context={**base, "product_name": "", "serial_number": "", "link": "", "customer_name": ""})
    prefix = f"{settings.AFTERSALE_PUBLIC_BASE_URL}/{tenant.slug}/products/"
    now = timezone.now()
    seen: set[str] = set()
    batch: list[Notification] = []
    ids: list[str] = []
    write = notifications_copy if connection.vendor == "postgresql" else Notification.objects.bulk_create
    offered_languages, brand_language = set(offered(tenant)), default_language(tenant)
    for warranty_id, serial, product_name, email, full_name, customer_name, owner_language in rows.iterator(
        chunk_size=_BULK
    ):
        if email in seen or is_erased_email(email):
            continue
        seen.add(email)
        notification_id = new_public_id("ntf_")
        batch.append(Notification(
            id=notification_id, tenant_id=tenant.id, kind=NotificationKind.PRODUCT_NOTICE, to_email=email,
            # The owner's account language, else the brand's: never the language of the admin who sent it.
            language=owner_language if owner_language in offered_languages else brand_language,
            context={**base, "product_name": product_name, "serial_number": serial, "link": f"{prefix}{warranty_id}/",
                     "customer_name": full_name or customer_name},
            subject_ref=notice.id, dedupe_key=f"notice:{notice.id}:{hashlib.sha256(email.encode()).hexdigest()[:40]}",
            # Safety information must reach an owner even after the ordinary retries: more attempts than an email's.
            max_attempts=10, next_attempt_at=now, created_at=now, updated_at=now,
        ))
        ids.append(notification_id)
        if len(batch) == _BULK:
            write(batch)
            batch = []
    write(batch)
    return ids


_COPY_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_FIELDS = ("id", "created_at", "updated_at", "tenant_id", "kind", "to_email", "context", "subject_ref",
                "dedupe_key", "status", "attempts", "max_attempts", "next_attempt_at", "lease_until", "last_error",
                "sent_at", "rendered_subject", "language")


def _copy_value(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, dict):
        value = json.dumps(value)
    elif isinstance(value, datetime.datetime):
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPE)


def notifications_copy(batch: list[Notification]) -> None:
    """Write outbox rows with COPY (PostgreSQL): the same rows `bulk_create` would write, a fraction of the cost
    (Django's INSERT builds each value in Python; COPY streams text). Every column is listed, so nothing relies
    on a database default."""
    if not batch:
        return
    if {f.attname for f in Notification._meta.concrete_fields} != set(_COPY_FIELDS):
        raise RuntimeError("Notification gained a column: add it to _COPY_FIELDS")
    table = Notification._meta.db_table
    lines = "".join("\t".join(_copy_value(getattr(row, name)) for name in _COPY_FIELDS) + "\n" for row in batch)
    with connection.cursor() as cursor, cursor.cursor.copy(
        f"COPY {table} ({', '.join(_COPY_FIELDS)}) FROM STDIN"
    ) as copy:
        copy.write(lines)


def _queue_batches(notice: Notice, ids: list[str]) -> None:
    """The workers' tasks, `NOTICE_SEND_BATCH` emails each: with the ORM broker, one INSERT in this transaction."""
    size = max(1, settings.AFTERSALE_NOTICE_SEND_BATCH)
    chunks = [ids[start:start + size] for start in range(0, len(ids), size)]
    func = "warranty_api.tasks.notice_send_batch"
    rows = [task_row_for_statement(func, chunk, task_name=f"notice {notice.id} batch {n}")
            for n, chunk in enumerate(chunks, start=1)]
    if rows and rows[0] is not None:
        OrmQ.objects.bulk_create([OrmQ(key=key, payload=payload, lock=lock) for key, payload, lock in rows])
        return
    for n, chunk in enumerate(chunks, start=1):
        task_enqueue_after_commit(func, chunk, task_name=f"notice {notice.id} batch {n}")


def notices_mark_opened(*, warranty: Warranty) -> int:
    """The owner opened the warranty in the portal (or the app): its notices count as seen."""
    return NoticeWarranty.objects.filter(warranty=warranty, opened_at__isnull=True).update(opened_at=timezone.now())
