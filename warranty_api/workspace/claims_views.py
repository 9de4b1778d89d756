"""The support desk's claim screens in Wagtail's admin: the queue, the review screen and its actions, photos.

Every change goes through the claims service (the same functions the API's admin endpoints call), so the admin
and the API produce the same events, emails and webhooks. A change is made only when the claim is still as the
person last saw it: two agents acting on one claim at once, the second sees what the first did, not a lost update.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.views.generic import TemplateView
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic.base import BaseListingView

from warranty_api.accounts.models import User
from warranty_api.claims import services as claim_services
from warranty_api.claims.error_codes import ClaimErrorCode
from warranty_api.claims.models import Claim, ClaimMessage, Fulfillment
from warranty_api.claims.selectors import claim_get_for_staff, claim_timeline
from warranty_api.core.exceptions import ApiError, ValidationFailed
from warranty_api.media.models import Media
from warranty_api.media.selectors import media_get_visible
from warranty_api.templatetags.workspace_tags import age_days
from warranty_api.warranties.selectors import warranty_contact
from warranty_api.workspace.brand import current_brand
from warranty_api.workspace.claims_queue import (
    STATUS_FILTERS,
    ClaimQueueFilterSet,
    brand_staff,
    claim_search,
    dashboard_counts,
    status_counts,
)
from warranty_api.workspace.menu import WorkspaceViewSet
from warranty_api.workspace.permissions import Area, may
from warranty_api.workspace.views import WorkspaceMixin, WorkspaceScreen, error_text, posted

PAGE_SIZES = (25, 50, 100)


def _age(claim: Claim) -> str:
    return age_days(claim.created_at)


def _customer(claim: Claim) -> str:
    customer = claim.warranty.customer
    name = claim.warranty.contact_name or customer.name
    return f"{name} <{customer.email}>" if name else customer.email


class ClaimQueueView(WorkspaceMixin, BaseListingView):
    area = Area.CLAIMS
    page_title = "Claims"
    header_icon = "clipboard-list"
    template_name = "workspace/claims/queue.html"
    results_template_name = "workspace/claims/queue_results.html"
    index_url_name = "workspace_claims:index"
    index_results_url_name = "workspace_claims:index_results"
    is_searchable = True
    default_ordering = "created_at"
    paginate_by = PAGE_SIZES[0]
    filterset_class = ClaimQueueFilterSet
    verbose_name = "claim"
    verbose_name_plural = "claims"

    columns = [
        TitleColumn("reference", label="Claim", get_url=lambda c: reverse("workspace_claims:review", args=[c.id]),
                    accessor=lambda c: c.reference or c.id, classname="workspace-nowrap"),
        Column("status", label="Status", accessor="get_status_display"),
        Column("serial", label="Serial", accessor="warranty.serial_number", classname="workspace-nowrap"),
        Column("product", label="Product", accessor="warranty.product.name", classname="workspace-wide"),
        Column("customer", label="Customer", accessor=_customer, classname="workspace-customer"),
        Column("issue_type", label="Issue", classname="workspace-wide"),
        Column("assignee", label="Assignee", accessor=lambda c: (c.assignee.full_name or c.assignee.email)
               if c.assignee_id else "Unassigned", classname="workspace-wide"),
        Column("age", label="Age", accessor=_age, sort_key="created_at", classname="workspace-nowrap"),
        Column("status_changed_at", label="In this status since", accessor="status_changed_at",
               sort_key="status_changed_at", classname="workspace-wide"),
    ]

    def get_page_subtitle(self):
        return self.tenant.name

    def get_valid_orderings(self):
        return ["created_at", "-created_at", "status_changed_at", "-status_changed_at", "updated_at", "-updated_at"]

    def get_paginate_by(self, queryset):
        raw = self.request.GET.get("per_page", "")
        return int(raw) if raw.isdigit() and int(raw) in PAGE_SIZES else self.paginate_by

    def get_filterset_kwargs(self):
        return {**super().get_filterset_kwargs(), "tenant": self.tenant}

    def get_base_queryset(self):
        return self.scoped(Claim.objects.all()).select_related(
            "warranty__product", "warranty__customer", "assignee"
        )

    def order_queryset(self, queryset):
        ordering = self.ordering or self.default_ordering
        # The id breaks ties, so a page boundary never shows a claim twice or skips one.
        return queryset.order_by(ordering, ordering.replace(ordering.lstrip("-"), "id"))

    def paginate_queryset(self, queryset, page_size):
        # The page's ids come from the claims alone (their index gives the order), then its rows with their joins:
        # a deep page's OFFSET skips claim keys, not joined rows, so page 40 costs about what page 1 does.
        keys = queryset.select_related(None).values_list("id", flat=True)
        paginator, page, ids, is_paginated = super().paginate_queryset(keys, page_size)
        ids = list(ids)
        rows = {claim.id: claim for claim in queryset.filter(id__in=ids).order_by()}
        object_list = [rows[claim_id] for claim_id in ids if claim_id in rows]
        page.object_list = object_list
        return paginator, page, object_list, is_paginated

    def queue_rows(self, claims: list[Claim]) -> list[dict]:
        labels = {t["code"]: t.get("label", t["code"]) for t in self.tenant.issue_types}
        review = reverse("workspace_claims:review", args=["CLAIM"])
        return [{
            "url": review.replace("CLAIM", claim.id),
            "reference": claim.reference or claim.id,
            "status": claim.get_status_display(),
            "serial": claim.warranty.serial_number,
            "product": claim.warranty.product.name,
            "customer": _customer(claim),
            "issue": labels.get(claim.issue_type, claim.issue_type),
            "assignee": (claim.assignee.full_name or claim.assignee.email) if claim.assignee_id else "Unassigned",
            "age": _age(claim),
            "status_since": date_format(timezone.localtime(claim.status_changed_at), "DATETIME_FORMAT")
            if claim.status_changed_at else "",
        } for claim in claims]

    @cached_property
    def search_match(self):
        return claim_search(self.search_query, tenant=self.tenant)

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return queryset.filter(self.search_match)

    @cached_property
    def counts(self) -> dict[str, int]:
        """Claims per status under every filter but the status ones: the tabs, and the page's total."""
        base = self.search_queryset(self.get_base_queryset())
        if self.filters and self.filters.is_valid():
            base = self.filters.filter_queryset_except(base, STATUS_FILTERS)
        return status_counts(base)

    def listed_statuses(self) -> set[str]:
        statuses = set(Claim.Status.values)
        if self.filters and self.filters.is_valid():
            data = self.filters.form.cleaned_data
            statuses = set(data.get("status") or statuses)
            waiting = data.get("waiting_on_customer")
            if waiting is True:
                statuses &= {Claim.Status.INFO_REQUESTED}
            elif waiting is False:
                statuses -= {Claim.Status.INFO_REQUESTED}
        return statuses

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        paginator = super().get_paginator(queryset, per_page, orphans, allow_empty_first_page, **kwargs)
        # The total is the sum of the listed statuses' counts, which the tabs need anyway: one pass over the
        # brand's claims per page, not two.
        paginator.__dict__["count"] = sum(self.counts[status] for status in self.listed_statuses())
        return paginator

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["queue_rows"] = self.queue_rows(context["object_list"])
        counts = self.counts
        chosen = set(self.request.GET.getlist("status"))
        query = self.request.GET.copy()
        query.pop("p", None)
        tabs = []
        for value, label in Claim.Status.choices:
            tab_query = query.copy()
            tab_query.setlist("status", [value])
            tab_query.pop("waiting_on_customer", None)
            tabs.append({"value": value, "label": label, "count": counts[value], "url": f"?{tab_query.urlencode()}",
                         "current": chosen == {value}})
        all_query = query.copy()
        all_query.pop("status", None)
        context.update(status_tabs=tabs, all_count=sum(counts.values()), all_url=f"?{all_query.urlencode()}",
                       all_current=not chosen, page_sizes=PAGE_SIZES)
        return context


# --- the review screen ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Offered:
    """An action the screen offers: shown as a button when the workflow allows it."""

    name: str
    label: str
    enabled: bool = True
    reason: str = ""


def claim_version(claim: Claim) -> str:
    """What the screen was drawn from: any change to the claim (status, assignee, notes) moves it on."""
    return claim.updated_at.isoformat()


def _resolve_blocker(claim: Claim) -> str:
    if claim.status != Claim.Status.APPROVED:
        return ""
    for fulfillment in claim.fulfillments.all():
        if fulfillment.kind != Fulfillment.Kind.RETURN_AUTHORIZATION and not fulfillment.is_done:
            return (f"The {fulfillment.get_kind_display().lower()} is not done yet "
                    f"({fulfillment.get_status_display().lower()}): it can be resolved once it is.")
    return ""


def offered_actions(claim: Claim, user: User, *, staff: list[User]) -> list[Offered]:
    can = claim.can_move_to
    S = Claim.Status
    offered = []
    # Only the brand's own staff can hold a claim (a platform superuser may review it, not own it).
    if claim.assignee_id != user.id and any(person.id == user.id for person in staff):
        offered.append(Offered("take", "Take it"))
    if can(S.UNDER_REVIEW) and claim.status == S.SUBMITTED:
        offered.append(Offered("start_review", "Start review"))
    if can(S.INFO_REQUESTED):
        offered.append(Offered("request_info", "Request information"))
    if can(S.APPROVED):
        offered.append(Offered("approve", "Approve"))
    if can(S.DENIED):
        offered.append(Offered("deny", "Deny"))
    if can(S.RESOLVED):
        blocker = _resolve_blocker(claim)
        offered.append(Offered("resolve", "Resolve", enabled=not blocker, reason=blocker))
    return offered


class StaleClaim(ApiError):
    status_code = 409
    code = ClaimErrorCode.CLAIM_CHANGED



class ClaimReviewView(WorkspaceScreen):
    """The claim with everything staff need to decide it; its buttons post to this same address."""

    area = Area.CLAIMS
    template_name = "workspace/claims/review.html"
    header_icon = "clipboard-list"
    parents = (("workspace_claims:index", "Claims"),)
    _ACTIONS = ("take", "assign", "start_review", "request_info", "approve", "deny", "resolve", "notes", "message")

    @cached_property
    def claim(self) -> Claim:
        try:
            return claim_get_for_staff(tenant=self.tenant, claim_id=self.kwargs["claim_id"])
        except ApiError:
            raise Http404 from None

    def get_page_title(self):
        return f"Claim {self.claim.reference or self.claim.id}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        claim = self.claim
        warranty = claim.warranty
        staff = list(brand_staff(self.tenant))
        photos = list(claim.photos.all())
        for message in claim.messages.all():
            photos.extend(message.photos.all())
        context.update(
            claim=claim,
            warranty=warranty,
            contact=warranty_contact(warranty),
            customer=warranty.customer,
            photos=photos,
            timeline=[{"item": item, "is_message": isinstance(item, ClaimMessage)} for item in claim_timeline(claim)],
            fulfillments=list(claim.fulfillments.all()),
            offered=offered_actions(claim, self.request.user, staff=staff),
            resolutions=warranty.product.category.allowed_resolutions(self.tenant.resolutions),
            staff=staff,
            version=claim_version(claim),
            issue_label=dict((t["code"], t.get("label", t["code"])) for t in self.tenant.issue_types).get(
                claim.issue_type, claim.issue_type),
            posted=kwargs.get("posted", {}),
            error=kwargs.get("error"),
        )
        return context

    def post(self, request, *args, **kwargs):
        action = posted(request, "action", strip=False)
        if action not in self._ACTIONS:
            raise Http404
        claim_id = self.claim.id
        try:
            with transaction.atomic():
                # The row is locked while it is compared with what the screen showed, and the service's own lock
                # comes after it in the same transaction: nobody can change the claim in between.
                current = (Claim.objects.select_for_update().filter(tenant=self.tenant, id=claim_id)
                           .values_list("updated_at", flat=True).first())
                if current is None:
                    raise Http404
                if posted(request, "version", strip=False) != current.isoformat():
                    raise StaleClaim(self._stale_message(claim_id))
                done = self._perform(action, claim_id)
        except ApiError as error:
            del self.__dict__["claim"]
            return self.render_to_response(
                self.get_context_data(posted=request.POST, error=error_text(error)),
                status=error.status_code,
            )
        messages.success(request, done)
        return HttpResponseRedirect(reverse("workspace_claims:review", args=[claim_id]))

    def _stale_message(self, claim_id: str) -> str:
        fresh = Claim.objects.select_related("assignee").get(tenant=self.tenant, id=claim_id)
        who = f", assigned to {fresh.assignee.full_name or fresh.assignee.email}" if fresh.assignee_id else ""
        return (f"Someone changed this claim while you had it open: it is now {fresh.get_status_display().lower()}"
                f"{who}. Nothing you sent was applied; here is the claim as it is now.")

    def _perform(self, action: str, claim_id: str) -> str:
        request, tenant, actor = self.request, self.tenant, self.request.user
        S = Claim.Status
        message = posted(request, "message", strip=False).strip()
        notify = posted(request, "notify_customer", strip=False) == "on"

        def move(to_status, **extra):
            return claim_services.claim_transition(claim_id=claim_id, tenant=tenant, actor=actor, to_status=to_status,
                                                   **extra)

        if action == "take":
            claim_services.claim_update(claim_id=claim_id, tenant=tenant, actor=actor, assignee=actor.public_id)
            return "The claim is yours."
        if action == "assign":
            assignee = posted(request, "assignee", strip=False) or None
            claim_services.claim_update(claim_id=claim_id, tenant=tenant, actor=actor, assignee=assignee)
            return "Assignee changed." if assignee else "The claim is unassigned."
        if action == "start_review":
            move(S.UNDER_REVIEW)
            return "The claim is under review."
        if action == "request_info":
            move(S.INFO_REQUESTED, message_to_customer=message, notify_customer=True)
            return "Information requested; the customer has been emailed."
        if action == "approve":
            claim = move(S.APPROVED, resolution=posted(request, "resolution", strip=False), message_to_customer=message,
                         notify_customer=notify)
            return f"Approved with {claim.resolution}."
        if action == "deny":
            move(S.DENIED, denial_reason=posted(request, "denial_reason", strip=False), message_to_customer=message,
                 notify_customer=notify)
            return "The claim is denied."
        if action == "resolve":
            move(S.RESOLVED, message_to_customer=message)
            return "The claim is resolved; the customer has been emailed."
        if action == "notes":
            claim_services.claim_update(claim_id=claim_id, tenant=tenant, actor=actor,
                                        admin_notes=posted(request, "admin_notes", strip=False))
            return "Internal notes saved."
        # action == "message"
        if not message:
            raise ValidationFailed.field("message", "required", "Write the message to the customer.")
        claim_services.claim_update(claim_id=claim_id, tenant=tenant, actor=actor, message_to_customer=message,
                                    notify_customer=True)
        return "Message sent to the customer."



class ClaimPhotoView(WorkspaceMixin, TemplateView):
    """A claim's photo (or its thumbnail), through the same visibility check as the API's media endpoint."""

    area = Area.CLAIMS

    def get(self, request, claim_id: str, media_id: str):
        try:
            media = media_get_visible(tenant=self.tenant, user=request.user, role=self.role, media_id=media_id)
        except ApiError:
            raise Http404 from None
        if media.claim_id != claim_id or media.kind != Media.Kind.IMAGE:
            raise Http404
        thumb = request.GET.get("size") == "thumb" and media.thumbnail
        field = media.thumbnail if thumb else media.file
        response = FileResponse(field.open("rb"), content_type="image/jpeg" if thumb else media.content_type)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, max-age=300"
        return response


# --- registration -------------------------------------------------------------------------------------------


class ClaimsViewSet(WorkspaceViewSet):
    name = "workspace_claims"
    url_prefix = "claims"
    area = Area.CLAIMS
    icon = "clipboard-list"
    menu_label = "Claims"
    menu_name = "claims"
    menu_order = 2

    def get_urlpatterns(self):
        return [
            path("", ClaimQueueView.as_view(), name="index"),
            path("results/", ClaimQueueView.as_view(results_only=True), name="index_results"),
            path("<str:claim_id>/", ClaimReviewView.as_view(), name="review"),
            path("<str:claim_id>/photos/<str:media_id>/", ClaimPhotoView.as_view(), name="photo"),
        ]


class ClaimsDashboardPanel(Component):
    """The dashboard's first panel: the brand's claims per status, and the person's own open claims."""

    name = "workspace_claims"
    template_name = "workspace/claims/dashboard_panel.html"
    order = 10

    class Media:
        css = {"all": ["workspace/workspace.css"]}

    def __init__(self, request):
        self.request = request

    def get_context_data(self, parent_context):
        access = current_brand(self.request)
        counts = dashboard_counts(tenant=access.tenant, user=self.request.user)
        index = reverse("workspace_claims:index")
        return {
            "brand": access.tenant,
            "rows": [{"label": label, "count": counts["all"][value], "url": f"{index}?status={value}"}
                     for value, label in Claim.Status.choices],
            "mine": counts["mine_open"],
            "mine_url": f"{index}?assignee=me&status=" + "&status=".join(Claim.OPEN_STATUSES),
            "index": index,
        }


def dashboard_panels(request, panels) -> None:
    if may(request, Area.CLAIMS):
        panels.insert(0, ClaimsDashboardPanel(request))
