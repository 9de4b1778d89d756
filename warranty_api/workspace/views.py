"""Base views of the workspace: every screen is scoped to the current brand and names the area it belongs to."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import TemplateView, View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from warranty_api.workspace.brand import brand_choices, brand_switch, current_brand
from warranty_api.workspace.permissions import may, require


class WorkspaceMixin:
    """Refuses the request unless the person may use `area` of their current brand, and keeps that brand.

    Every queryset a screen reads goes through `scoped`, so another brand's object is simply not there (404)."""

    area: str = ""

    def dispatch(self, request, *args, **kwargs):
        if not self.area:
            raise PermissionDenied
        self.brand_access = require(request, self.area)
        self.tenant = self.brand_access.tenant
        self.role = self.brand_access.role
        return super().dispatch(request, *args, **kwargs)

    def scoped(self, queryset: QuerySet) -> QuerySet:
        return queryset.filter(tenant=self.tenant)

    def scoped_get(self, queryset: QuerySet, **lookup):
        obj = self.scoped(queryset).filter(**lookup).first()
        if obj is None:
            raise Http404
        return obj

    def may(self, area: str) -> bool:
        return may(self.request, area)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["workspace_brand"] = self.brand_access
        context["workspace_brands"] = brand_choices(self.request)
        return context


# The stylesheets of the brand's set-up screens (`workspace/config/_head.html` links them).
CONFIG_CSS = ("workspace/workspace.css", "workspace/config.css")


class WorkspaceScreen(WorkspaceMixin, WagtailAdminTemplateMixin, TemplateView):
    """A workspace page in Wagtail's frame: its title beside the brand's name, under a trail from the admin's home
    through the screens above it (`parents`: the URL name and label of each) to itself."""

    parents: tuple[tuple[str, str], ...] = ()
    css: tuple[str, ...] = ()

    def get_page_subtitle(self):
        return self.tenant.name

    def get_breadcrumbs_items(self):
        above = [{"url": reverse(url_name), "label": label} for url_name, label in self.parents]
        return [*self.breadcrumbs_items, *above, {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "css": self.css}


def posted(request, name: str, *, strip: bool = True) -> str:
    """A posted form value as text ('' when missing or repeated oddly); stripped unless it is a message."""
    value = request.POST.get(name, "")
    if not isinstance(value, str):
        return ""
    return value.strip() if strip else value


def error_text(error) -> str:
    """An ApiError as one sentence for a flash message: its message, then each field's, without repeats."""
    parts = [error.message]
    for items in (error.fields or {}).values():
        parts.extend(item["message"] for item in items)
    return " ".join(dict.fromkeys(parts))


def safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        return target
    return fallback


class BrandSwitchView(WagtailAdminTemplateMixin, TemplateView):
    """The brands a person works for; choosing one makes every workspace screen show that brand."""

    template_name = "workspace/brand_switch.html"
    page_title = "Brand"
    header_icon = "site"

    def dispatch(self, request, *args, **kwargs):
        if current_brand(request) is None:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["workspace_brand"] = current_brand(self.request)
        context["workspace_brands"] = brand_choices(self.request)
        context["next"] = safe_next(self.request, "")
        return context

    def post(self, request, *args, **kwargs):
        access = brand_switch(request, request.POST.get("brand", ""))
        if access is None:
            raise Http404
        messages.success(request, f"You are now working on {access.tenant.name}.")
        return HttpResponseRedirect(safe_next(request, reverse("wagtailadmin_home")))


class WorkspaceActionView(WorkspaceMixin, View):
    """A POST-only action of a screen: it calls a service, then sends the person back to the screen with a message."""

    http_method_names = ["post"]
