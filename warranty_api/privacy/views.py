"""Customer data requests of a brand's admins: export everything held about an email, or erase it."""

from drf_spectacular.utils import extend_schema

from warranty_api.accounts.customers import CustomerErasure
from warranty_api.core.exceptions import NotFound
from warranty_api.core.permissions import IsTenantAdmin
from warranty_api.core.views import TenantAPIView, ok, validated
from warranty_api.privacy.selectors import customer_data_export
from warranty_api.privacy.serializers import (
    CustomerDataRequestInput,
    CustomerErasureOutput,
    CustomerExportOutput,
    customer_erasure_data,
)
from warranty_api.privacy.services import customer_erase


class CustomerExportView(TenantAPIView):
    permission_classes = [IsTenantAdmin]
    # The answer is the person's data: an idempotent replay would keep a copy of it in the database for a day.
    idempotency = False

    @extend_schema(
        operation_id="admin_customer_export",
        summary="Everything the brand holds about a customer, as JSON (a data access request)",
        description="Found by email (any case): the customer account, the brand's customer records, their "
        "warranties with their audit trail and transfers, claims with events, messages and fulfillments, "
        "receipts and photos (metadata and a `download` path), email queued or sent to them, webhook events "
        "about them, stored request answers and background tasks naming them. Nothing is changed. 404 "
        "`not_found` when nothing is held about the email. Brand admins only. Idempotency-Key is not honoured "
        "here: the answer is never stored.",
        request=CustomerDataRequestInput,
        responses={200: CustomerExportOutput},
    )
    def post(self, request, tenant: str):
        data = validated(CustomerDataRequestInput, request.data, only_declared=True)
        export = customer_data_export(tenant=self.tenant, email=data["email"])
        if export is None:
            raise NotFound("Nothing is held about this email at this brand.")
        return ok(export)


class CustomerEraseView(TenantAPIView):
    permission_classes = [IsTenantAdmin]

    @extend_schema(
        operation_id="admin_customer_erase",
        summary="Erase a customer's personal data, keeping the brand's record of warranties and claims",
        description="In one transaction: the customer record and account become tombstones (no name, phone or "
        "address; an undeliverable `erased+<id>@erased.invalid` address; the account inactive, its password "
        "unusable and every token refused); free text they wrote or that was written about them (claim "
        "descriptions, messages, notes) becomes `[erased]`; receipts and photos are deleted with their files; "
        "their email in the outbox is deleted; webhook bodies and audit snapshots are scrubbed. Kept: warranties "
        "(serial, product, dates, terms, status), claims' status, resolution and denial reason, fulfillments. "
        "The answer is the audit record (who, when, what; never the person). A second erasure of the same email "
        "answers the same record. 404 `not_found` when nothing is held and nothing was erased. Brand admins only.",
        request=CustomerDataRequestInput,
        responses={200: CustomerErasureOutput},
    )
    def post(self, request, tenant: str):
        data = validated(CustomerDataRequestInput, request.data, only_declared=True)
        erasure = customer_erase(
            tenant=self.tenant, email=data["email"], actor=request.user, via=CustomerErasure.Via.API
        )
        return ok(customer_erasure_data(erasure))
