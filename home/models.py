"""Wagtail pages of the branded portals: the site's landing page and one portal root per tenant.

A portal root serves the customer self-service pages (registration, sign-in, products, claims, account)
as routes of its own (RoutablePageMixin), so they live at /<tenant>/... and stay one page in Wagtail's
admin; the brand's support documentation hangs under it as child pages.
"""

from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Page

from home.catalog_pages import catalog_product_context, product_by_ref
from home.languages import serve_in_language
from home.portal_hooks import PORTAL_CONTEXT_HOOK, PORTAL_SEARCH_HOOK
from warranty_api.accounts.consent import marketing_consent_text
from warranty_api.catalog.serials import serial_format_hint
from warranty_api.tenancy.branding import branding_for
from warranty_api.tenancy.languages import offered

# Path segments the portal's own routes take. A route wins over a child page of the same slug, so a
# documentation page may not take one of these (support_docs checks it when an editor saves).
PORTAL_ROUTE_SLUGS = frozenset(
    {
        "register", "sign-up", "sign-in", "forgot-password", "reset-password", "verify-email",
        "accept-transfer", "accept-invitation", "products", "claims", "account", "catalog", "search",
        # The QR codes' landing paths (home/scan_views.py): a unit, a product, a GS1 Digital Link.
        "s", "p", "01",
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

    def serve(self, request, *args, **kwargs):
        return serve_in_language(request, self.tenant, lambda: super(TenantPortalPage, self).serve(request, *args, **kwargs))

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
            "languages": offered(tenant),
        }
        context = {
            "portal": self,
            "brand": tenant,
            "branding": branding_for(tenant),
            "portal_urls": urls,
            "portal_config": config,
            "marketing_consent_text": marketing_consent_text(tenant),
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
        # A product's code (or its page's button) names the product: shown above the form, with its page.
        product = product_by_ref(self.tenant, request.GET.get("product", "")[:100])
        return self._screen(request, "register", _("Register your product"), prefill_serial=serial,
                            prefill_product=product)

    @path("search/", name="search")
    def search(self, request):
        query = request.GET.get("q", "").strip()[:200]
        results = []
        if query:
            for search in hooks.get_hooks(PORTAL_SEARCH_HOOK):
                results.extend(search(self, query))
        return self._screen(request, "search", _("Search help"), static_screen=True, query=query, results=results)

    @path("catalog/<str:ref>/", name="catalog_product")
    def catalog_product(self, request, ref: str):
        context = catalog_product_context(self, request, ref)
        return self._screen(request, "catalog_product", context["product"].name, static_screen=True, **context)

    @path("sign-up/", name="sign_up")
    def sign_up(self, request):
        return self._screen(request, "sign_up", _("Create your account"))

    @path("sign-in/", name="sign_in")
    def sign_in(self, request):
        return self._screen(request, "sign_in", _("Sign in"))

    @path("forgot-password/", name="forgot_password")
    def forgot_password(self, request):
        return self._screen(request, "forgot_password", _("Forgot your password?"))

    @path("reset-password/", name="reset_password")
    def reset_password(self, request):
        return self._screen(request, "reset_password", _("Choose a new password"))

    @path("verify-email/", name="verify_email")
    def verify_email(self, request):
        return self._screen(request, "verify_email", _("Verify your email"))

    @path("accept-transfer/", name="accept_transfer")
    def accept_transfer(self, request):
        return self._screen(request, "accept_transfer", _("Accept a warranty transfer"))

    @path("accept-invitation/", name="accept_invitation")
    def accept_invitation(self, request):
        return self._screen(request, "accept_invitation", _("Join the team"))

    @path("products/", name="products")
    def products(self, request):
        return self._screen(request, "products", _("Your products"))

    @path("products/<str:warranty_id>/", name="product")
    def product(self, request, warranty_id: str):
        return self._screen(request, "product", _("Your product"), object_id=warranty_id)

    @path("claims/", name="claims")
    def claims(self, request):
        return self._screen(request, "claims", _("Your claims"))

    @path("claims/new/", name="claim_new")
    def claim_new(self, request):
        return self._screen(request, "claim_new", _("File a claim"), prefill_warranty=request.GET.get("warranty", "")[:40])

    @path("claims/<str:claim_id>/", name="claim")
    def claim(self, request, claim_id: str):
        return self._screen(request, "claim", _("Your claim"), object_id=claim_id)

    @path("account/", name="account")
    def account(self, request):
        return self._screen(request, "account", _("Your contact details"))
