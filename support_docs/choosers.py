"""The product chooser of Wagtail's admin: a brand's staff choose among their own brands' products only."""

from __future__ import annotations

from django.db.models import Q
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.viewsets.chooser import ChooserViewSet

from warranty_api.models import Membership, Product


def products_visible_to(user):
    """Products of the brands where `user` is active, accepted staff; every brand's for a superuser."""
    rows = Product.objects.filter(is_active=True).select_related("tenant", "category").order_by("tenant__name", "name")
    if user.is_superuser:
        return rows
    tenants = Membership.objects.filter(user=user, is_active=True, accepted_at__isnull=False).values("tenant_id")
    return rows.filter(tenant_id__in=tenants)


class _ScopedList:
    def get_object_list(self):
        return products_visible_to(self.request.user)

    def filter_object_list(self, objects):
        query = (self.request.GET.get("q") or "").strip()
        objects = super().filter_object_list(objects)
        if query:
            objects = objects.filter(Q(name__icontains=query) | Q(sku__icontains=query))
        return objects


class ProductChooseView(_ScopedList, chooser_views.ChooseView):
    pass


class ProductChooseResultsView(_ScopedList, chooser_views.ChooseResultsView):
    pass


class ProductChosenView(chooser_views.ChosenView):
    def get_object(self, pk):
        return products_visible_to(self.request.user).get(pk=pk)


class ProductChosenMultipleView(chooser_views.ChosenMultipleView):
    def get_objects(self, pks):
        return products_visible_to(self.request.user).filter(pk__in=pks)


class ProductChooserViewSet(ChooserViewSet):
    model = "warranty_api.Product"
    icon = "tag"
    choose_one_text = "Choose a product"
    choose_another_text = "Choose another product"
    edit_item_text = None
    per_page = 20
    choose_view_class = ProductChooseView
    choose_results_view_class = ProductChooseResultsView
    chosen_view_class = ProductChosenView
    chosen_multiple_view_class = ProductChosenMultipleView


product_chooser_viewset = ProductChooserViewSet("product_chooser")
