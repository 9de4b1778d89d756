"""The brand's settings for its admins (`/api/<tenant>/admin/settings`) and the record of configuration changes."""

from drf_spectacular.utils import OpenApiResponse, extend_schema

from warranty_api.core.pagination import paginate
from warranty_api.core.permissions import IsTenantAdmin
from warranty_api.core.views import TenantAPIView, ok
from warranty_api.tenancy.filters import ConfigChangeListParameters
from warranty_api.tenancy.permissions import AdminWritesAgentReads
from warranty_api.tenancy.selectors import config_change_list
from warranty_api.tenancy.serializers import (
    AdminConfigChangeOutput,
    AdminSettingsInput,
    AdminSettingsOutput,
    admin_settings_data,
    config_validated,
)
from warranty_api.tenancy.services import tenant_settings_update

ERRORS = {
    400: OpenApiResponse(description="validation_error, with the JSON path of each problem in `fields`"),
    401: OpenApiResponse(description="authentication_failed / token_expired"),
    403: OpenApiResponse(description="permission_denied: agents read, admins change"),
}


def settings_answer(tenant) -> dict:
    return {"slug": tenant.slug, **admin_settings_data(tenant)}


class AdminSettingsView(TenantAPIView):
    permission_classes = [AdminWritesAgentReads]

    @extend_schema(
        operation_id="admin_settings_get",
        summary="The brand's settings (agents and admins)",
        responses={200: AdminSettingsOutput, **ERRORS},
    )
    def get(self, request, tenant: str):
        return ok(settings_answer(self.tenant))

    @extend_schema(
        operation_id="admin_settings_update",
        summary="Change the brand's settings (admins)",
        description="Takes the fields it names; `branding`, `registration` and `claims` merge key by key "
        "(a branding key set to null is removed). The rules are those of the tenant configuration file, and a "
        "problem is named by the same JSON path (`claims.issue_types[1].code`). Serial formats that could stall "
        "a registration (`(a+)+$`) are refused. Every change is recorded (`GET .../admin/audit`).",
        request=AdminSettingsInput,
        responses={200: AdminSettingsOutput, **ERRORS},
    )
    def patch(self, request, tenant: str):
        data = config_validated(AdminSettingsInput, request.data, partial=True)
        fresh = tenant_settings_update(tenant=self.tenant, actor=request.user, data=data)
        return ok(settings_answer(fresh))


class AdminConfigChangeListView(TenantAPIView):
    permission_classes = [IsTenantAdmin]
    filterset_class = ConfigChangeListParameters

    @extend_schema(
        operation_id="admin_config_changes_list",
        summary="Who changed the brand's configuration, when, and what before and after (newest first)",
        responses={200: AdminConfigChangeOutput(many=True), **ERRORS},
    )
    def get(self, request, tenant: str):
        rows = config_change_list(tenant=self.tenant, target=request.query_params.get("target"))
        return paginate(self, rows, AdminConfigChangeOutput, ordering=("-created_at", "-id"))
