"""Wagtail pages of the branded portals: the site's landing page and one portal root per tenant."""

from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page


class LandingPage(Page):
    """The site root: lists the brands whose portals live under it."""

    intro = RichTextField(blank=True, help_text="Shown above the list of brand portals.")

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["home.TenantPortalPage"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["portals"] = TenantPortalPage.objects.live().child_of(self).select_related("tenant")
        return context


class TenantPortalPage(Page):
    """A brand's portal root at /<tenant>/; created with the tenant and edited by its marketing staff."""

    tenant = models.OneToOneField(
        "warranty_api.Tenant",
        on_delete=models.PROTECT,
        related_name="portal_page",
        help_text="The brand this portal belongs to. Set when the brand is onboarded; do not change.",
    )
    welcome = RichTextField(blank=True, help_text="Greeting shown at the top of the portal home page.")
    support_hours = models.CharField(max_length=200, blank=True, help_text="For example: Mon-Fri 9:00-17:00 CET.")

    content_panels = [*Page.content_panels, FieldPanel("welcome"), FieldPanel("support_hours")]
    parent_page_types = ["home.LandingPage"]
    subpage_types = ["support_docs.SupportIndexPage"]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["brand"] = self.tenant
        context["branding"] = self.tenant.branding or {}
        return context
