"""The brand's email templates in Wagtail's admin (brand admins): each kind of message with its placeholders, its
own wording or the default, and a preview rendered with sample values before saving.

Saving, resetting and previewing are the services of `.../admin/notification-templates` (placeholders checked,
HTML reduced to the allow-list), so the admin accepts and refuses what the API does.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse

from warranty_api.core.exceptions import ApiError
from warranty_api.notifications.selectors import notification_template_get, notification_templates_list
from warranty_api.notifications.services import (
    notification_preview,
    notification_template_reset,
    notification_template_save,
)
from warranty_api.workspace.menu import WorkspaceViewSet
from warranty_api.workspace.permissions import Area
from warranty_api.workspace.views import CONFIG_CSS, WorkspaceScreen, posted


def field_errors(error: ApiError) -> dict[str, list[str]]:
    return {name: [i["message"] for i in items] for name, items in (error.fields or {}).items()}


class EmailScreen(WorkspaceScreen):
    area = Area.CONFIGURATION
    header_icon = "mail"
    css = CONFIG_CSS


class EmailTemplateListView(EmailScreen):
    template_name = "workspace/config/emails.html"
    page_title = "Email templates"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "templates": notification_templates_list(tenant=self.tenant)}


class EmailTemplateEditView(EmailScreen):
    """Edit one kind; "Preview" renders the draft with sample values (saves nothing), "Save" keeps it."""

    template_name = "workspace/config/email_edit.html"
    parents = (("workspace_emails:index", "Email templates"),)

    def _current(self):
        try:
            return notification_template_get(tenant=self.tenant, kind=self.kwargs["kind"])
        except ApiError:
            raise Http404 from None

    def get_page_title(self):
        return self._current().label

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        current = self._current()
        draft = kwargs.get("draft") or {"subject": current.subject, "text_body": current.text_body,
                                        "html_body": current.html_body}
        preview = kwargs.get("preview")
        if preview is None and not kwargs.get("errors"):
            preview = notification_preview(tenant=self.tenant, kind=current.kind)
        context.update(template=current, draft=draft, preview=preview, errors=kwargs.get("errors", {}))
        return context

    def post(self, request, *args, **kwargs):
        kind = self.kwargs["kind"]
        self._current()
        action = posted(request, "action", strip=False)
        draft = {"subject": posted(request, "subject", strip=False), "text_body": posted(request, "text_body", strip=False),
                 "html_body": posted(request, "html_body", strip=False)}
        try:
            if action == "reset":
                notification_template_reset(tenant=self.tenant, kind=kind)
                messages.success(request, "The default wording is back.")
                return HttpResponseRedirect(reverse("workspace_emails:edit", args=[kind]))
            if action == "save":
                notification_template_save(tenant=self.tenant, kind=kind, **draft)
                messages.success(request, "Template saved: the next messages of this kind use it.")
                return HttpResponseRedirect(reverse("workspace_emails:edit", args=[kind]))
            preview = notification_preview(tenant=self.tenant, kind=kind, **draft)
        except ApiError as error:
            return self.render_to_response(self.get_context_data(draft=draft, errors=field_errors(error)), status=400)
        return self.render_to_response(self.get_context_data(draft=draft, preview=preview))


class EmailTemplatesViewSet(WorkspaceViewSet):
    name = "workspace_emails"
    url_prefix = "email-templates"
    area = Area.CONFIGURATION
    icon = "mail"
    menu_label = "Email templates"
    menu_name = "email-templates"
    menu_order = 22

    def get_urlpatterns(self):
        return [
            path("", EmailTemplateListView.as_view(), name="index"),
            path("<str:kind>/", EmailTemplateEditView.as_view(), name="edit"),
        ]
