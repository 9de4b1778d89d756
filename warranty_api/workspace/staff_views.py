"""Staff management in Wagtail's admin (brand admins): invite by email, change a role, deactivate and reactivate.

The screen calls the staff services of the admin API (`staff_invite`, `staff_update`): an invitation emails a
set-password link (or, to an account of another brand, an invitation to accept), and the brand's last active
admin can be neither demoted nor deactivated.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import path, reverse

from warranty_api.accounts.selectors import staff_list
from warranty_api.accounts.services import staff_invite, staff_update
from warranty_api.core.exceptions import ApiError
from warranty_api.tenancy.models import StaffRole
from warranty_api.workspace.menu import WorkspaceViewSet
from warranty_api.workspace.permissions import Area
from warranty_api.workspace.views import CONFIG_CSS, WorkspaceScreen, error_text, posted


class StaffView(WorkspaceScreen):
    area = Area.STAFF
    template_name = "workspace/config/staff.html"
    page_title = "Staff"
    header_icon = "group"
    css = CONFIG_CSS

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        members = list(staff_list(tenant=self.tenant).order_by("user__email"))
        context.update(members=members, roles=StaffRole.choices, me=self.request.user.pk)
        return context

    def post(self, request, *args, **kwargs):
        action = posted(request, "action")
        try:
            if action == "invite":
                membership = staff_invite(tenant=self.tenant, email=posted(request, "email"),
                                          role=posted(request, "role"))
                done = (f"{membership.user.email} is invited: they choose their password from the emailed link."
                        if not membership.is_pending else
                        f"{membership.user.email} already has an account; they were emailed an invitation to accept.")
            elif action in ("role", "deactivate", "activate"):
                person = posted(request, "person")
                data = ({"role": posted(request, "role")} if action == "role"
                        else {"is_active": action == "activate"})
                membership = staff_update(tenant=self.tenant, public_id=person, data=data)
                done = {"role": f"{membership.user.email} is now {membership.role}.",
                        "deactivate": f"{membership.user.email} can no longer work on {self.tenant.name}.",
                        "activate": f"{membership.user.email} can work on {self.tenant.name} again."}[action]
            else:
                messages.error(request, "Unknown action.")
                return HttpResponseRedirect(reverse("workspace_staff:index"))
        except ApiError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, done)
        return HttpResponseRedirect(reverse("workspace_staff:index"))


class StaffViewSet(WorkspaceViewSet):
    name = "workspace_staff"
    url_prefix = "staff"
    area = Area.STAFF
    icon = "group"
    menu_label = "Staff"
    menu_name = "staff"
    menu_order = 30

    def get_urlpatterns(self):
        return [path("", StaffView.as_view(), name="index")]
