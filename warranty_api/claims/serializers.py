"""Inputs and outputs of the claims API. Customer outputs never carry admin_notes or internal events."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from warranty_api.claims.models import Claim, ClaimEvent, ClaimMessage, Fulfillment
from warranty_api.claims.risk import LEVELS as RISK_LEVELS
from warranty_api.claims.risk import WEIGHTS as RISK_WEIGHTS
from warranty_api.claims.risk import claim_risk
from warranty_api.claims.selectors import claim_timeline
from warranty_api.claims.services import MAX_PHOTOS
from warranty_api.claims.sla import STATES as SLA_STATES
from warranty_api.claims.sla import sla_state
from warranty_api.media.models import Media
from warranty_api.warranties.selectors import warranty_contact


class ClaimCreateInput(serializers.Serializer):
    warranty_id = serializers.CharField(max_length=40)
    issue_type = serializers.CharField(max_length=50)
    description = serializers.CharField(max_length=5000)
    photos = serializers.ListField(child=serializers.CharField(max_length=40), required=False, default=list,
                                   max_length=MAX_PHOTOS)
    preferred_resolution = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")


class ClaimMessageInput(serializers.Serializer):
    body = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    photos = serializers.ListField(child=serializers.CharField(max_length=40), required=False, default=list,
                                   max_length=MAX_PHOTOS)


class ClaimAdminPatchInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=Claim.Status.values, required=False)
    resolution = serializers.CharField(max_length=50, required=False, allow_blank=True)
    denial_reason = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    admin_notes = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    message_to_customer = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    notify_customer = serializers.BooleanField(required=False, default=False)
    assignee = serializers.CharField(max_length=40, required=False, allow_null=True,
                                     help_text="A staff member's user id (usr_...), or null to unassign.")


class FulfillmentPatchInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=Fulfillment.Status.values, required=False)
    replacement_serial = serializers.CharField(max_length=100, required=False)
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


def _photo(media: Media, request) -> dict:
    base = f"/api/{media.tenant.slug}/media/{media.id}" if request is None else f"/api/{request.tenant.slug}/media/{media.id}"
    return {"id": media.id, "url": base, "thumbnail_url": f"{base}?size=thumb", "width": media.width,
            "height": media.height}


class ClaimPhotoOutput(serializers.Serializer):
    id = serializers.CharField()
    url = serializers.CharField()
    thumbnail_url = serializers.CharField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)


class ClaimTimelineItemOutput(serializers.Serializer):
    type = serializers.ChoiceField(choices=["event", "message"])
    kind = serializers.CharField(help_text="For events: submitted, status_changed, message, assigned, ...")
    at = serializers.DateTimeField()
    by = serializers.ChoiceField(choices=["customer", "staff", "system"])
    from_status = serializers.CharField(required=False)
    to_status = serializers.CharField(required=False)
    note = serializers.CharField(required=False)
    body = serializers.CharField(required=False)
    photos = ClaimPhotoOutput(many=True, required=False)
    visibility = serializers.CharField(required=False, help_text="Staff view only")
    actor = serializers.CharField(required=False, help_text="Staff view only: the actor's email")


def _by(user) -> str:
    if user is None:
        return "system"
    return "customer" if user.tenant_id is not None else "staff"


def timeline_item(item: ClaimEvent | ClaimMessage, *, staff: bool, request=None) -> dict:
    if isinstance(item, ClaimMessage):
        out = {"type": "message", "kind": "message", "id": item.id, "at": item.created_at, "by": _by(item.author),
               "body": item.body, "photos": [_photo(m, request) for m in item.photos.all()]}
        actor = item.author
    else:
        out = {"type": "event", "kind": item.kind, "at": item.created_at, "by": _by(item.actor),
               "from_status": item.from_status, "to_status": item.to_status, "note": item.note}
        actor = item.actor
    if staff:
        out["visibility"] = item.visibility
        out["actor"] = actor.email if actor else None
    out["at"] = serializers.DateTimeField().to_representation(out["at"])
    return out


class FulfillmentOutput(serializers.ModelSerializer):
    claim_id = serializers.CharField()
    replacement_warranty_id = serializers.CharField(allow_null=True)

    class Meta:
        model = Fulfillment
        fields = ["id", "claim_id", "kind", "status", "rma_number", "replacement_serial", "replacement_warranty_id",
                  "backend", "external_ref", "created_at", "updated_at", "completed_at"]


class CustomerFulfillmentOutput(serializers.ModelSerializer):
    class Meta:
        model = Fulfillment
        fields = ["id", "kind", "status", "rma_number", "replacement_serial", "updated_at"]


class ClaimListItemOutput(serializers.ModelSerializer):
    warranty_id = serializers.CharField()
    serial_number = serializers.CharField(source="warranty.serial_number")
    product = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = ["id", "reference", "warranty_id", "serial_number", "product", "status", "issue_type", "preferred_resolution",
                  "resolution", "photo_count", "created_at", "updated_at", "resolved_at"]

    @extend_schema_field({"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                                                           "category": {"type": "string"}}})
    def get_product(self, claim: Claim) -> dict:
        product = claim.warranty.product
        return {"id": product.id, "name": product.name, "category": product.category.name}


class ClaimOutput(ClaimListItemOutput):
    """What the customer sees: their claim, its photos, the fulfillment's state and the visible timeline."""

    photos = serializers.SerializerMethodField()
    fulfillments = CustomerFulfillmentOutput(many=True)
    timeline = serializers.SerializerMethodField()

    class Meta(ClaimListItemOutput.Meta):
        fields = [*ClaimListItemOutput.Meta.fields, "description", "denial_reason", "photos", "fulfillments", "timeline"]

    @extend_schema_field(ClaimPhotoOutput(many=True))
    def get_photos(self, claim: Claim) -> list[dict]:
        return [_photo(m, self.context.get("request")) for m in claim.photos.all()]

    @extend_schema_field(ClaimTimelineItemOutput(many=True))
    def get_timeline(self, claim: Claim) -> list[dict]:
        return [timeline_item(i, staff=False, request=self.context.get("request")) for i in claim_timeline(claim)]


class ClaimCreatedOutput(serializers.ModelSerializer):
    warranty_id = serializers.CharField()
    photos = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = ["id", "reference", "warranty_id", "status", "issue_type", "description", "preferred_resolution", "photos",
                  "created_at"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_photos(self, claim: Claim) -> list[str]:
        return list(claim.photos.order_by("created_at", "id").values_list("id", flat=True))


class ClaimRiskReasonOutput(serializers.Serializer):
    code = serializers.ChoiceField(choices=list(RISK_WEIGHTS))
    message = serializers.CharField()


class ClaimRiskOutput(serializers.Serializer):
    """Staff only: never part of a customer's view of a claim."""

    score = serializers.IntegerField(min_value=0, max_value=100)
    level = serializers.ChoiceField(choices=list(RISK_LEVELS))
    reasons = ClaimRiskReasonOutput(many=True)


def _staff_ref(user) -> dict | None:
    return None if user is None else {"id": user.public_id, "email": user.email}


class AdminClaimListItemOutput(ClaimListItemOutput):
    customer = serializers.SerializerMethodField()
    assignee = serializers.SerializerMethodField()
    sla_state = serializers.SerializerMethodField()
    risk = serializers.SerializerMethodField()

    class Meta(ClaimListItemOutput.Meta):
        fields = [*ClaimListItemOutput.Meta.fields, "customer", "assignee", "status_changed_at", "first_response_due_at",
                  "resolution_due_at", "first_responded_at", "decided_at", "sla_state", "risk"]

    @extend_schema_field({"type": "string", "nullable": True, "enum": [*SLA_STATES, None],
                          "description": "null for a claim filed before service levels were kept"})
    def get_sla_state(self, claim: Claim) -> str | None:
        return sla_state(claim)

    @extend_schema_field(ClaimRiskOutput)
    def get_risk(self, claim: Claim) -> dict:
        return claim_risk(claim)

    @extend_schema_field({"type": "object", "properties": {"id": {"type": "string"}, "email": {"type": "string"},
                                                           "name": {"type": "string"}}})
    def get_customer(self, claim: Claim) -> dict:
        customer = claim.warranty.customer
        return {"id": customer.id, "email": customer.email, "name": warranty_contact(claim.warranty)["name"]}

    @extend_schema_field({"type": "object", "nullable": True, "properties": {"id": {"type": "string"},
                                                                            "email": {"type": "string"}}})
    def get_assignee(self, claim: Claim) -> dict | None:
        return _staff_ref(claim.assignee)


class AdminClaimOutput(AdminClaimListItemOutput):
    """Everything staff need, internal notes and internal events included."""

    photos = serializers.SerializerMethodField()
    fulfillments = FulfillmentOutput(many=True)
    timeline = serializers.SerializerMethodField()
    warranty = serializers.SerializerMethodField()

    class Meta(AdminClaimListItemOutput.Meta):
        fields = [*AdminClaimListItemOutput.Meta.fields, "description", "denial_reason", "admin_notes", "photos",
                  "fulfillments", "timeline", "warranty"]

    @extend_schema_field(ClaimPhotoOutput(many=True))
    def get_photos(self, claim: Claim) -> list[dict]:
        return [_photo(m, self.context.get("request")) for m in claim.photos.all()]

    @extend_schema_field(ClaimTimelineItemOutput(many=True))
    def get_timeline(self, claim: Claim) -> list[dict]:
        return [timeline_item(i, staff=True, request=self.context.get("request")) for i in claim_timeline(claim)]

    @extend_schema_field({"type": "object"})
    def get_warranty(self, claim: Claim) -> dict:
        w = claim.warranty
        return {"id": w.id, "status": w.effective_status(), "warranty_start": w.warranty_start.isoformat(),
                "warranty_end": w.warranty_end.isoformat(), "coverage": w.coverage,
                "allowed_resolutions": w.product.category.allowed_resolutions(claim.tenant.resolutions)}
