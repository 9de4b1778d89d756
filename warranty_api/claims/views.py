"""Claims: customers file and follow their own; staff work the queue, review, and record fulfillment."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request

from warranty_api.claims import services as claim_services
from warranty_api.claims.exports import CLAIM_HEADER, claim_rows
from warranty_api.claims.filters import ClaimQueueParameters, CustomerClaimListParameters, FulfillmentListParameters
from warranty_api.claims.inventory_events import INBOUND_EVENTS, inventory_event_receive
from warranty_api.claims.models import Claim
from warranty_api.claims.selectors import (
    claim_get_for_customer,
    claim_get_for_staff,
    claim_list_for_customer,
    claim_queue,
    fulfillment_list,
)
from warranty_api.claims.serializers import (
    AdminClaimListItemOutput,
    AdminClaimOutput,
    ClaimAdminPatchInput,
    ClaimCreatedOutput,
    ClaimCreateInput,
    ClaimListItemOutput,
    ClaimMessageInput,
    ClaimOutput,
    FulfillmentOutput,
    FulfillmentPatchInput,
    timeline_item,
)
from warranty_api.core.csv_export import CSV_RENDERERS, csv_response, wants_csv
from warranty_api.core.pagination import paginate
from warranty_api.core.permissions import IsTenantAgent, IsTenantCustomer
from warranty_api.core.views import TenantAPIView, ok, validated
from warranty_api.integrations.webhooks import SIGNATURE_HEADER
from warranty_api.webhooks.serializers import InventoryEventAcceptedOutput


def _transition_table() -> str:
    rows = "\n".join(
        f"| `{src}` | {', '.join(f'`{d}`' for d in sorted(dst)) or '(none: closed)'} |"
        for src, dst in Claim.ALLOWED_TRANSITIONS.items()
    )
    return "| from | may become |\n|---|---|\n" + rows






_SUBMIT_DESCRIPTION = """File a claim under one of your own warranties.

Refusals: a warranty that is not yours answers 404 `not_found`. A warranty that cannot take a claim answers
422: `warranty_expired` (today is after `warranty_end`), `warranty_void`, `warranty_transferred` (it moved to a
new owner), `warranty_pending_verification` (purchase not verified yet). One open claim per warranty
(open = submitted, under_review, info_requested, approved): 409 `claim_already_open`. `issue_type` and
`preferred_resolution` must be among the brand's (400, field errors). `photos` are ids of your own image uploads
not attached to anything yet, at most 10 (400 with `photos[i]` field errors otherwise)."""


class ClaimListCreateView(TenantAPIView):
    permission_classes = [IsTenantCustomer]
    filterset_class = CustomerClaimListParameters

    @extend_schema(
        operation_id="claims_list",
        summary="List your claims, newest first",
        responses={200: ClaimListItemOutput(many=True)},
    )
    def get(self, request: Request, tenant: str):
        return paginate(self, claim_list_for_customer(tenant=self.tenant, user=request.user), ClaimListItemOutput,
                        ordering=("-created_at", "-id"))

    @extend_schema(operation_id="claims_create", summary="Submit a claim", description=_SUBMIT_DESCRIPTION,
                   request=ClaimCreateInput, responses={201: ClaimCreatedOutput})
    def post(self, request: Request, tenant: str):
        data = validated(ClaimCreateInput, request.data)
        claim = claim_services.claim_submit(tenant=self.tenant, user=request.user, **data)
        return ok(ClaimCreatedOutput(claim).data, status=201)


class ClaimDetailView(TenantAPIView):
    permission_classes = [IsTenantCustomer]

    @extend_schema(operation_id="claims_retrieve", summary="One of your claims with its timeline",
                   responses={200: ClaimOutput})
    def get(self, request: Request, tenant: str, claim_id: str):
        claim = claim_get_for_customer(tenant=self.tenant, user=request.user, claim_id=claim_id)
        return ok(ClaimOutput(claim, context={"request": request}).data)


class ClaimMessageCreateView(TenantAPIView):
    permission_classes = [IsTenantCustomer]

    @extend_schema(
        operation_id="claims_messages_create",
        summary="Write on your claim (text and photos)",
        description="An answer to a request for information (`info_requested`) moves the claim back to "
        "`under_review`. A resolved claim takes no more messages (409 `claim_closed`).",
        request=ClaimMessageInput,
        responses={201: dict},
    )
    def post(self, request: Request, tenant: str, claim_id: str):
        data = validated(ClaimMessageInput, request.data)
        message = claim_services.claim_message_post(tenant=self.tenant, claim_id=claim_id, user=request.user, **data)
        return ok(timeline_item(message, staff=False, request=request), status=201)


class AdminClaimListView(TenantAPIView):
    permission_classes = [IsTenantAgent]
    filterset_class = ClaimQueueParameters
    renderer_classes = CSV_RENDERERS

    @extend_schema(
        operation_id="admin_claims_list",
        summary="The claim queue (oldest first), with the count per status for the tabs in meta.counts",
        responses={(200, "application/json"): AdminClaimListItemOutput(many=True), (200, "text/csv"): OpenApiTypes.STR},
    )
    def get(self, request: Request, tenant: str):
        qs, counts, ordering = claim_queue(tenant=self.tenant, params=request.query_params, user=request.user)
        if wants_csv(request):
            return csv_response("claims.csv", CLAIM_HEADER, claim_rows(qs.order_by(*ordering)))
        return paginate(self, qs, AdminClaimListItemOutput, ordering=ordering, extra_meta={"counts": counts})


class AdminClaimDetailView(TenantAPIView):
    permission_classes = [IsTenantAgent]

    @extend_schema(operation_id="admin_claims_retrieve", summary="A claim with everything, internal notes included",
                   responses={200: AdminClaimOutput})
    def get(self, request: Request, tenant: str, claim_id: str):
        return ok(AdminClaimOutput(claim_get_for_staff(tenant=self.tenant, claim_id=claim_id),
                                   context={"request": request}).data)

    @extend_schema(
        operation_id="admin_claims_update",
        summary="Review or resolve a claim",
        description=(
            "Moves the claim along the workflow and/or sets `admin_notes` (internal, never shown to the customer), "
            "`assignee` and `message_to_customer`. The allowed moves:\n\n" + _transition_table() + "\n\n"
            "Any other move is 409 `invalid_transition`. `approved` needs a `resolution` the warranty's coverage "
            "allows (422 `resolution_not_allowed`) and creates the return authorization (RMA) and the "
            "replacement, repair or refund to fulfil. `denied` needs `denial_reason` or `message_to_customer`: "
            "the customer reads it. `info_requested` needs `message_to_customer`. Resolving an approved claim "
            "needs its follow-up done (409 `fulfillment_incomplete`). With `notify_customer`, the customer is "
            "emailed about the change; submission and resolution always email."
        ),
        request=ClaimAdminPatchInput,
        responses={200: AdminClaimOutput},
    )
    def patch(self, request: Request, tenant: str, claim_id: str):
        data = dict(validated(ClaimAdminPatchInput, request.data, only_declared=True))
        claim_services.claim_admin_patch(tenant=self.tenant, claim_id=claim_id, actor=request.user, **data)
        return ok(AdminClaimOutput(claim_get_for_staff(tenant=self.tenant, claim_id=claim_id),
                                   context={"request": request}).data)


class AdminFulfillmentListView(TenantAPIView):
    permission_classes = [IsTenantAgent]
    filterset_class = FulfillmentListParameters

    @extend_schema(
        operation_id="admin_fulfillments_list",
        summary="Returns, replacements, repairs and refunds to carry out, oldest first",
        responses={200: FulfillmentOutput(many=True)},
    )
    def get(self, request: Request, tenant: str):
        return paginate(self, fulfillment_list(tenant=self.tenant, params=request.query_params), FulfillmentOutput,
                        ordering=("created_at", "id"))


class AdminFulfillmentDetailView(TenantAPIView):
    permission_classes = [IsTenantAgent]

    @extend_schema(
        operation_id="admin_fulfillments_update",
        summary="Record a fulfillment's progress",
        description="Per kind: return_authorization requested→received→completed; replacement requested→shipped"
        "→completed (shipping needs `replacement_serial`, which gets a warranty of its own and voids the old one); "
        "repair requested→received→repaired→shipped→completed; refund requested→refunded→completed; "
        "`cancelled` from requested (and received, for a repair). Anything else is 409 `invalid_transition`.",
        request=FulfillmentPatchInput,
        responses={200: FulfillmentOutput, 409: OpenApiResponse(
            description="invalid_transition: the kind's steps do not go from its status to this one")},
    )
    def patch(self, request: Request, tenant: str, fulfillment_id: str):
        data = validated(FulfillmentPatchInput, request.data, only_declared=True)
        fulfillment = claim_services.fulfillment_update(
            tenant=self.tenant, fulfillment_id=fulfillment_id, actor=request.user, **data
        )
        return ok(FulfillmentOutput(fulfillment).data)


class InventoryEventView(TenantAPIView):
    # No JWT: the inventory system authenticates each request by its signature with the brand's secret.
    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(
        operation_id="inventory_events_receive",
        summary="The inventory system reports progress on a fulfillment",
        description=(
            f"Signed like our webhooks: `{SIGNATURE_HEADER}: t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<raw "
            "body>\">` with the brand's inventory secret; `t` within 5 minutes of our clock. Body: `{\"id\": "
            "\"<your unique event id>\", \"type\": \"...\", \"data\": {\"fulfillment_id\": \"ful_...\", "
            "\"replacement_serial\": \"...\" (replacement.shipped only), \"note\": \"...\"}}`. Types: "
            + ", ".join(f"`{t}`" for t in INBOUND_EVENTS)
            + ". Refusals change nothing: 401 `signature_invalid`, 400 `invalid_json` / `validation_error`, "
            "409 `event_replayed` (the id was already accepted), 404 `not_found`, 422 `event_kind_mismatch`, "
            "409 `invalid_transition`. A refused event's id stays unused, so it may be sent again once fixed."
        ),
        request={"application/json": {"type": "object"}},
        responses={200: InventoryEventAcceptedOutput, 401: OpenApiResponse(description="`signature_invalid`")},
    )
    def post(self, request, tenant: str):
        # The raw bytes are what was signed: read them, never the parsed data.
        record, fulfillment = inventory_event_receive(
            tenant=self.tenant, body=request.body, signature=request.headers.get(SIGNATURE_HEADER, "")
        )
        return ok(
            {"event_id": record.event_id, "fulfillment_id": fulfillment.id, "fulfillment_status": fulfillment.status}
        )
