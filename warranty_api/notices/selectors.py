"""Tenant-scoped reads of notices: the list, one notice with its delivery counts, the notices of a warranty."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from warranty_api.core.exceptions import NotFound
from warranty_api.notices.models import Notice, NoticeWarranty
from warranty_api.notifications.models import Notification
from warranty_api.tenancy.models import Tenant
from warranty_api.warranties.models import Warranty


def notice_list(*, tenant: Tenant) -> QuerySet[Notice]:
    return Notice.objects.filter(tenant=tenant)


def notice_get(*, tenant: Tenant, notice_id: str) -> Notice:
    notice = Notice.objects.filter(tenant=tenant, id=notice_id).first()
    if notice is None:
        raise NotFound()
    return notice


def notice_counts(notice: Notice) -> dict:
    """Email sent, failed and still waiting (each owner's one email), and warranties opened in the portal."""
    by_status = dict(
        Notification.objects.filter(tenant_id=notice.tenant_id, subject_ref=notice.id)
        .values_list("status").annotate(n=Count("*")).order_by()
    )
    opened = NoticeWarranty.objects.filter(notice=notice).aggregate(
        warranties=Count("*"), opened=Count("id", filter=Q(opened_at__isnull=False))
    )
    return {
        "emails": sum(by_status.values()),
        "sent": by_status.get(Notification.Status.SENT, 0),
        "failed": by_status.get(Notification.Status.FAILED, 0),
        "pending": by_status.get(Notification.Status.QUEUED, 0) + by_status.get(Notification.Status.SENDING, 0),
        "warranties": opened["warranties"],
        "opened_in_portal": opened["opened"],
    }


def warranty_notices(warranty: Warranty) -> list[dict]:
    """The notices about one warranty, newest first, as its owner (and staff) see them."""
    rows = (NoticeWarranty.objects.filter(warranty=warranty).select_related("notice")
            .order_by("-notice__created_at", "-notice_id"))
    return [{"id": r.notice.id, "kind": r.notice.kind, "title": r.notice.title, "message": r.notice.message,
             "created_at": r.notice.created_at} for r in rows]
