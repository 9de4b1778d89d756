"""Product documentation and support resources: manuals, FAQs and guides under a tenant's portal."""

from django.core.exceptions import ValidationError
from django.db import models
from modelcluster.fields import ParentalKey
from rest_framework import serializers
from wagtail import blocks
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.api import APIField
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.fields import RichTextField, StreamField
from wagtail.images.blocks import ImageChooserBlock
from wagtail.models import Orderable, Page
from wagtail.search import index

from home.languages import serve_in_language
from home.models import PORTAL_ROUTE_SLUGS, TenantPortalPage


class PortalPageMixin:
    """Support pages render inside their brand's portal: its colours, navigation and support address."""

    def portal_root(self):
        return TenantPortalPage.objects.ancestor_of(self).select_related("tenant").first()

    def serve(self, request, *args, **kwargs):
        portal = self.portal_root()
        if portal is None:
            return super().serve(request, *args, **kwargs)
        return serve_in_language(request, portal.tenant, lambda: super(PortalPageMixin, self).serve(request, *args, **kwargs))

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        portal = self.portal_root()
        if portal is not None:
            context.update(portal.portal_context())
        # Documentation is read without the portal's script: no notice that its forms need it.
        context["static_screen"] = True
        return context


class SupportIndexPage(PortalPageMixin, Page):
    """Lists a brand's support articles; one per portal, usually titled "Support"."""

    intro = RichTextField(blank=True, help_text="Short introduction shown above the list of articles.")

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    api_fields = [APIField("intro")]
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


class SupportArticleForm(WagtailAdminPageForm):
    """An article may link only products of its own brand: the chooser lists the editor's brands' products, and a
    crafted form naming another product is refused here."""

    def is_valid(self):
        # The inline formsets are cleaned after the page's own form, so their products are checked here.
        valid = super().is_valid()
        parent = self.parent_page or (self.instance.get_parent() if self.instance.pk else None)
        portal = TenantPortalPage.objects.ancestor_of(parent, inclusive=True).first() if parent else None
        formset = self.formsets.get("product_links")
        if portal is None or formset is None:
            return valid
        for form in formset.forms:
            product = getattr(form, "cleaned_data", {}).get("product")
            if product is not None and product.tenant_id != portal.tenant_id:
                form.add_error("product", "Choose a product of this brand.")
                valid = False
        return valid


class SupportArticlePage(PortalPageMixin, Page):
    """A manual, FAQ entry or guide. Link it to the products it is about (none: about every product), so the
    portal shows it on those products' pages and beside their warranties."""

    class Kind(models.TextChoices):
        MANUAL = "manual", "Manual"
        FAQ = "faq", "FAQ"
        GUIDE = "guide", "Guide"

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.GUIDE)
    summary = models.CharField(max_length=300, blank=True, help_text="One line shown in lists and search results.")
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
        InlinePanel("product_links", label="Products this article is about",
                    help_text="None: the article is about every product of the brand."),
        FieldPanel("body"),
    ]
    parent_page_types = ["support_docs.SupportIndexPage"]
    subpage_types: list[str] = []
    base_form_class = SupportArticleForm
    # What the headless content API (support_docs/content_api.py) shows of an article.
    api_fields = [
        APIField("kind"),
        APIField("summary"),
        APIField("products", serializer=serializers.ListField(child=serializers.CharField(), source="sku_list")),
        APIField("body"),
    ]

    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("kind"),
    ]

    def linked_products(self) -> list:
        return [link.product for link in self.product_links.all()]

    def sku_list(self) -> list[str]:
        return [product.sku for product in self.linked_products()]

    @property
    def product_skus(self) -> str:
        """The linked products' SKUs, comma-separated (what the portal's script filters a warranty's list by)."""
        return ",".join(self.sku_list())

    @staticmethod
    def products_for(articles, product):
        """Of `articles`, those linked to `product` or to no product at all."""
        return articles.filter(
            models.Q(product_links__product=product) | models.Q(product_links__isnull=True)
        ).distinct()


class SupportArticleProduct(Orderable):
    """That an article is about a product (edited with the product chooser in Wagtail's admin)."""

    article = ParentalKey(SupportArticlePage, on_delete=models.CASCADE, related_name="product_links")
    product = models.ForeignKey("warranty_api.Product", on_delete=models.CASCADE, related_name="support_links")

    panels = [FieldPanel("product")]

    class Meta(Orderable.Meta):
        constraints = [models.UniqueConstraint(fields=["article", "product"], name="support_article_product_unique")]

    def __str__(self) -> str:
        return f"{self.article_id} -> {self.product_id}"
