"""Product documentation and support resources: manuals, FAQs and guides under a tenant's portal."""

from django.core.exceptions import ValidationError
from django.db import models
from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.fields import RichTextField, StreamField
from wagtail.images.blocks import ImageChooserBlock
from wagtail.models import Page

from home.models import PORTAL_ROUTE_SLUGS, TenantPortalPage


class PortalPageMixin:
    """Support pages render inside their brand's portal: its colours, navigation and support address."""

    def portal_root(self):
        return TenantPortalPage.objects.ancestor_of(self).select_related("tenant").first()

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        portal = self.portal_root()
        if portal is not None:
            context.update(portal.portal_context())
        return context


class SupportIndexPage(PortalPageMixin, Page):
    """Lists a brand's support articles; one per portal, usually titled "Support"."""

    intro = RichTextField(blank=True, help_text="Short introduction shown above the list of articles.")

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["home.TenantPortalPage"]
    subpage_types = ["support_docs.SupportArticlePage"]

    def clean(self):
        super().clean()
        # The portal's own screens answer these paths first, so a page here would never be reached.
        if self.slug in PORTAL_ROUTE_SLUGS:
            raise ValidationError({"slug": f"“{self.slug}” is a page of the portal itself; choose another slug."})

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["articles"] = SupportArticlePage.objects.live().child_of(self).order_by("title")
        return context


class SupportArticlePage(PortalPageMixin, Page):
    """A manual, FAQ entry or guide. Tag it with product SKUs so the portal can show it beside a warranty."""

    class Kind(models.TextChoices):
        MANUAL = "manual", "Manual"
        FAQ = "faq", "FAQ"
        GUIDE = "guide", "Guide"

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.GUIDE)
    summary = models.CharField(max_length=300, blank=True, help_text="One line shown in lists and search results.")
    product_skus = models.CharField(
        max_length=500, blank=True, help_text="Comma-separated SKUs this article is about; empty for all products."
    )
    body = StreamField(
        [
            ("paragraph", blocks.RichTextBlock()),
            ("image", ImageChooserBlock()),
            ("document", DocumentChooserBlock(help_text="A PDF manual or spec sheet.")),
            (
                "question",
                blocks.StructBlock([("question", blocks.CharBlock()), ("answer", blocks.RichTextBlock())]),
            ),
        ],
        blank=True,
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("kind"),
        FieldPanel("summary"),
        FieldPanel("product_skus"),
        FieldPanel("body"),
    ]
    parent_page_types = ["support_docs.SupportIndexPage"]
    subpage_types: list[str] = []

    def sku_list(self) -> list[str]:
        return [sku.strip() for sku in self.product_skus.split(",") if sku.strip()]
