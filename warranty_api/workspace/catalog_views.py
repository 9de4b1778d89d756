"""The catalog in Wagtail's admin (brand admins): categories and their terms, products with their image, and the
serial rules with a box that answers what registration would decide about a serial.

Forms collect; the serializers and services of the admin API validate and write (`.../admin/categories`,
`.../admin/products`, `.../admin/serial-rules/test`), so each change is recorded and reaches every process's
catalog on its next request.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.functional import cached_property

from warranty_api.catalog import selectors, services
from warranty_api.catalog.models import Category, Product
from warranty_api.catalog.serializers import CategoryConfig, ProductInput
from warranty_api.core.exceptions import ApiError
from warranty_api.tenancy.models import Coverage
from warranty_api.tenancy.serializers import config_validated
from warranty_api.workspace.menu import WorkspaceViewSet
from warranty_api.workspace.permissions import Area
from warranty_api.workspace.settings_views import apply_api_errors, brand_images
from warranty_api.workspace.views import CONFIG_CSS, WorkspaceScreen


def _field_of(json_path: str):
    name = json_path.split("[", 1)[0].split(".", 1)[0]
    return name, None


class CatalogScreen(WorkspaceScreen):
    area = Area.CONFIGURATION
    parents = (("workspace_catalog:products", "Catalog"),)
    css = CONFIG_CSS


# --- categories --------------------------------------------------------------------------------------------


class CategoryForm(forms.Form):
    slug = forms.CharField(max_length=100, help_text="Lowercase letters, digits and hyphens; it cannot change later.")
    name = forms.CharField(max_length=200)
    standard_months = forms.IntegerField(min_value=1, help_text="The warranty every registration gets.")
    extended_months = forms.IntegerField(
        min_value=1, required=False,
        help_text="Earned by registering within the brand's extension window; empty for none.")
    coverage = forms.ChoiceField(choices=Coverage.choices)
    transferable = forms.BooleanField(required=False, help_text="A warranty may move to a new owner.")
    own_resolutions = forms.BooleanField(required=False, label="Own resolutions",
                                         help_text="Use the resolutions below instead of the coverage's default.")
    resolutions = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, tenant, editing: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resolutions"].choices = [(r, r.capitalize()) for r in tenant.resolutions]
        if editing:
            self.fields["slug"].disabled = True
            self.fields["slug"].help_text = "A category's slug does not change."

    def api_data(self, *, partial: bool) -> dict:
        c = self.cleaned_data
        data = {
            "name": c["name"], "standard_months": c["standard_months"], "extended_months": c["extended_months"],
            "coverage": c["coverage"], "transferable": c["transferable"],
            "resolutions": list(c["resolutions"]) if c["own_resolutions"] else None,
        }
        if not partial:
            data["slug"] = c["slug"]
        return data


class CategoryListView(CatalogScreen):
    template_name = "workspace/config/categories.html"
    page_title = "Categories and terms"
    header_icon = "folder-open-inverse"

    def get_context_data(self, **kwargs):
        rows = list(selectors.admin_category_list(tenant=self.tenant).order_by("name", "slug"))
        return {**super().get_context_data(**kwargs), "categories": rows}


class CategoryFormView(CatalogScreen):
    template_name = "workspace/config/form.html"
    header_icon = "folder-open-inverse"
    parents = (*CatalogScreen.parents, ("workspace_catalog:categories", "Categories and terms"))

    @cached_property
    def category(self) -> Category | None:
        slug = self.kwargs.get("slug")
        if slug is None:
            return None
        return self.scoped_get(Category.objects.all(), slug=slug)

    def get_page_title(self):
        return f"Category {self.category.name}" if self.category else "Add a category"

    def _form(self, data=None):
        initial = None
        if self.category:
            c = self.category
            initial = {"slug": c.slug, "name": c.name, "standard_months": c.standard_months,
                       "extended_months": c.extended_months, "coverage": c.coverage, "transferable": c.transferable,
                       "own_resolutions": c.resolutions is not None, "resolutions": c.resolutions or []}
        return CategoryForm(data, initial=initial, tenant=self.tenant, editing=self.category is not None)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(form=kwargs.get("form") or self._form(), submit_label="Save category",
                       back_url=reverse("workspace_catalog:categories"),
                       delete_url=reverse("workspace_catalog:category_delete", args=[self.category.slug])
                       if self.category else None,
                       note="A changed term applies to registrations from now on; warranties already registered "
                            "keep their dates.")
        return context

    def post(self, request, *args, **kwargs):
        form = self._form(request.POST)
        if form.is_valid():
            editing = self.category is not None
            context = {"resolutions": list(self.tenant.resolutions), "resolutions_source": "the brand's resolutions",
                       "category": self.category}
            try:
                data = config_validated(CategoryConfig, form.api_data(partial=editing), context=context,
                                        partial=editing)
                if editing:
                    services.category_update(tenant=self.tenant, actor=request.user, slug=self.category.slug,
                                             data=data)
                else:
                    services.category_create(tenant=self.tenant, actor=request.user, data=data)
            except ApiError as error:
                apply_api_errors(form, error, _field_of)
            else:
                messages.success(request, f"Category {data.get('name') or self.category.name} saved.")
                return HttpResponseRedirect(reverse("workspace_catalog:categories"))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class CategoryDeleteView(CatalogScreen):
    http_method_names = ["post"]

    def post(self, request, slug: str):
        self.scoped_get(Category.objects.all(), slug=slug)
        try:
            services.category_delete(tenant=self.tenant, actor=request.user, slug=slug)
        except ApiError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(reverse("workspace_catalog:category_edit", args=[slug]))
        messages.success(request, "Category removed.")
        return HttpResponseRedirect(reverse("workspace_catalog:categories"))


# --- products ----------------------------------------------------------------------------------------------


class ProductForm(forms.Form):
    sku = forms.CharField(max_length=100, label="SKU")
    name = forms.CharField(max_length=200)
    category = forms.ChoiceField()
    serial_pattern = forms.CharField(
        max_length=300, required=False,
        help_text="A regular expression the whole serial matches, e.g. SN-CA-[0-9]{8}; empty: known serials only.")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    image = forms.ChoiceField(required=False, help_text="An image of the brand's collection (Images in the sidebar).")
    is_active = forms.BooleanField(required=False, initial=True, label="Active",
                                   help_text="Retired products keep their warranties but take no new registrations.")

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = list(
            Category.objects.filter(tenant=tenant).order_by("name").values_list("slug", "name"))
        self.fields["image"].choices = [("", "No image"), *((str(i.pk), i.title) for i in brand_images(tenant))]

    def api_data(self) -> dict:
        c = self.cleaned_data
        return {"sku": c["sku"], "name": c["name"], "category": c["category"], "serial_pattern": c["serial_pattern"],
                "description": c["description"], "image": int(c["image"]) if c["image"] else None,
                "is_active": c["is_active"]}


class ProductListView(CatalogScreen):
    template_name = "workspace/config/products.html"
    page_title = "Products"
    header_icon = "tag"

    def get_context_data(self, **kwargs):
        rows = list(selectors.admin_product_list(tenant=self.tenant).order_by("-is_active", "name", "id"))
        return {**super().get_context_data(**kwargs), "products": rows}


class ProductFormView(CatalogScreen):
    template_name = "workspace/config/form.html"
    header_icon = "tag"
    parents = (*CatalogScreen.parents, ("workspace_catalog:products", "Products"))

    @cached_property
    def product(self) -> Product | None:
        product_id = self.kwargs.get("product_id")
        if product_id is None:
            return None
        return self.scoped_get(Product.objects.select_related("category"), pk=product_id)

    def get_page_title(self):
        return f"Product {self.product.name}" if self.product else "Add a product"

    def _form(self, data=None):
        initial = None
        if self.product:
            p = self.product
            initial = {"sku": p.sku, "name": p.name, "category": p.category.slug, "serial_pattern": p.serial_pattern,
                       "description": p.description, "image": str(p.image_id or ""), "is_active": p.is_active}
        return ProductForm(data, initial=initial, tenant=self.tenant)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(form=kwargs.get("form") or self._form(), submit_label="Save product",
                       back_url=reverse("workspace_catalog:products"),
                       delete_url=reverse("workspace_catalog:product_delete", args=[self.product.pk])
                       if self.product else None,
                       warnings=kwargs.get("warnings", []))
        return context

    def post(self, request, *args, **kwargs):
        form = self._form(request.POST)
        if form.is_valid():
            slugs = set(Category.objects.filter(tenant=self.tenant).values_list("slug", flat=True))
            context = {"category_slugs": slugs, "category_missing": "There is no category '{slug}'."}
            try:
                data = config_validated(ProductInput, form.api_data(), context=context, partial=self.product is not None)
                if self.product:
                    product = services.product_update(tenant=self.tenant, actor=request.user,
                                                      product_id=self.product.pk, data=data)
                else:
                    product = services.product_create(tenant=self.tenant, actor=request.user, data=data)
            except ApiError as error:
                apply_api_errors(form, error, _field_of)
            else:
                messages.success(request, f"Product {product.name} saved.")
                for warning in services.pattern_overlaps(tenant=self.tenant, product=product):
                    messages.warning(request, warning["message"])
                return HttpResponseRedirect(reverse("workspace_catalog:products"))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ProductDeleteView(CatalogScreen):
    http_method_names = ["post"]

    def post(self, request, product_id: str):
        self.scoped_get(Product.objects.all(), pk=product_id)
        try:
            services.product_delete(tenant=self.tenant, actor=request.user, product_id=product_id)
        except ApiError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(reverse("workspace_catalog:product_edit", args=[product_id]))
        messages.success(request, "Product removed.")
        return HttpResponseRedirect(reverse("workspace_catalog:products"))


class CatalogViewSet(WorkspaceViewSet):
    name = "workspace_catalog"
    url_prefix = "catalog"
    area = Area.CONFIGURATION
    icon = "tag"
    menu_label = "Catalog"
    menu_name = "catalog"
    menu_order = 21

    def get_urlpatterns(self):
        return [
            path("", ProductListView.as_view(), name="products"),
            path("products/add/", ProductFormView.as_view(), name="product_add"),
            path("products/<str:product_id>/", ProductFormView.as_view(), name="product_edit"),
            path("products/<str:product_id>/delete/", ProductDeleteView.as_view(), name="product_delete"),
            path("categories/", CategoryListView.as_view(), name="categories"),
            path("categories/add/", CategoryFormView.as_view(), name="category_add"),
            path("categories/<str:slug>/", CategoryFormView.as_view(), name="category_edit"),
            path("categories/<str:slug>/delete/", CategoryDeleteView.as_view(), name="category_delete"),
        ]
