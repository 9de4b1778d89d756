"""Wagtail pages of the branded portals: the site's landing page and one portal root per tenant.

A portal root serves the customer self-service pages (registration, sign-in, products, claims, account)
as routes of its own (RoutablePageMixin), so they live at /<tenant>/... and stay one page in Wagtail's
admin; the brand's support documentation hangs under it as child pages.
"""

from django.db import models
from django.http import Http404
from wagtail import hooks
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Page

from warranty_api.catalog.serials import serial_format_hint

from .branding import branding_for

# Wagtail hook name: a function taking the portal page and answering more context for its pages.
PORTAL_CONTEXT_HOOK = "portal_context"

# Path segments the portal's own routes take. A route wins over a child page of the same slug, so a
# documentation page may not take one of these (support_docs checks it when an editor saves).
PORTAL_ROUTE_SLUGS = frozenset(
    {
        "register", "sign-up", "sign-in", "forgot-password", "reset-password", "verify-email",
        "accept-transfer", "accept-invitation", "products", "claims", "account",
    }
)

# What a brand may make required at registration (TENANT_CONFIG.md, `required_fields`).
REGISTRATION_OPTIONAL_FIELDS = ("phone", "address", "proof_of_purchase", "retailer")


class LandingPage(Page):
    """The site root: lists the brands whose portals live under it."""

    intro = RichTextField(blank=True, help_text="Shown above the list of brand portals.")

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["home.TenantPortalPage"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["portals"] = (
            TenantPortalPage.objects.live().child_of(self).filter(tenant__is_active=True).select_related("tenant")
        )
        return context


class TenantPortalPage(RoutablePageMixin, Page):
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

    def route(self, request, path_components):
        # A brand that was switched off has no portal, documentation included (its API answers 404 too).
        if not self.tenant.is_active:
            raise Http404
        return super().route(request, path_components)

    def portal_context(self) -> dict:
        """What every page of this portal (its routes and its documentation pages) renders with."""
        tenant = self.tenant
        base = self.url.rstrip("/") if self.url else f"/{tenant.slug}"
        urls = {"home": f"{base}/"}
        for name in ("register", "sign_up", "sign_in", "forgot_password", "reset_password", "verify_email",
                     "accept_transfer", "accept_invitation", "products", "claims", "claim_new", "account"):
            urls[name] = f"{base}/{self.reverse_subpage(name)}"
        config = {
            "tenant": tenant.slug,
            "brand_name": tenant.name,
            "api_base": f"/api/{tenant.slug}",
            "public_api_base": f"/api/p/{tenant.slug}",
            "urls": urls,
            "required_fields": list(tenant.required_fields or []),
            "issue_types": list(tenant.issue_types or []),
            "resolutions": list(tenant.resolutions or []),
        }
        context = {
            "portal": self,
            "brand": tenant,
            "branding": branding_for(tenant),
            "portal_urls": urls,
            "portal_config": config,
            "serial_format_hint": serial_format_hint(list(tenant.serial_formats or [])),
            "resolution_options": [
                {"code": code, "label": code.replace("_", " ").capitalize()} for code in tenant.resolutions or []
            ],
            "requires": {name: name in (tenant.required_fields or []) for name in REGISTRATION_OPTIONAL_FIELDS},
        }
        # Documentation pages live in support_docs, which builds on the portal: it adds its part (the support
        # index and articles) through this hook, so the portal never imports it.
        for contribute in hooks.get_hooks(PORTAL_CONTEXT_HOOK):
            context.update(contribute(self))
        return context

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(self.portal_context())
        return context

    def _screen(self, request, name: str, title: str, **extra):
        return self.render(
            request,
            template=f"home/portal/{name}.html",
            context_overrides={"screen": name, "screen_title": title, **extra},
        )

    # The screens. Each is a form or a list that the portal's script fills from the API (API.md); the server
    # renders the brand, the labels and the tenant's settings, and never a customer's data.

    @path("register/", name="register")
    def register(self, request):
        serial = request.GET.get("serial", "")[:100]
        return self._screen(request, "register", "Register your product", prefill_serial=serial)

    @path("sign-up/", name="sign_up")
    def sign_up(self, request):
        return self._screen(request, "sign_up", "Create your account")

    @path("sign-in/", name="sign_in")
    def sign_in(self, request):
        return self._screen(request, "sign_in", "Sign in")

    @path("forgot-password/", name="forgot_password")
    def forgot_password(self, request):
        return self._screen(request, "forgot_password", "Forgot your password?")

    @path("reset-password/", name="reset_password")
    def reset_password(self, request):
        return self._screen(request, "reset_password", "Choose a new password")

    @path("verify-email/", name="verify_email")
    def verify_email(self, request):
        return self._screen(request, "verify_email", "Verify your email")

    @path("accept-transfer/", name="accept_transfer")
    def accept_transfer(self, request):
        return self._screen(request, "accept_transfer", "Accept a warranty transfer")

    @path("accept-invitation/", name="accept_invitation")
    def accept_invitation(self, request):
        return self._screen(request, "accept_invitation", "Join the team")

    @path("products/", name="products")
    def products(self, request):
        return self._screen(request, "products", "Your products")

    @path("products/<str:warranty_id>/", name="product")
    def product(self, request, warranty_id: str):
        return self._screen(request, "product", "Your product", object_id=warranty_id)

    @path("claims/", name="claims")
    def claims(self, request):
        return self._screen(request, "claims", "Your claims")

    @path("claims/new/", name="claim_new")
    def claim_new(self, request):
        return self._screen(request, "claim_new", "File a claim", prefill_warranty=request.GET.get("warranty", "")[:40])

    @path("claims/<str:claim_id>/", name="claim")
    def claim(self, request, claim_id: str):
        return self._screen(request, "claim", "Your claim", object_id=claim_id)

    @path("account/", name="account")
    def account(self, request):
        return self._screen(request, "account", "Your contact details")
