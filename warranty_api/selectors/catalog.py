"""Tenant-scoped reads of the catalog."""

from django.db.models import QuerySet

from ..exceptions import ValidationFailed
from ..models import Product, Tenant


def product_list(*, tenant: Tenant, category: str | None = None, search: str | None = None) -> QuerySet[Product]:
    qs = Product.objects.filter(tenant=tenant, is_active=True).select_related("category")
    if category:
        if not tenant.categories.filter(slug=category).exists():
            raise ValidationFailed.field("category", "not_found", f"There is no category '{category}'.")
        qs = qs.filter(category__slug=category)
    if search:
        qs = qs.filter(name__icontains=search) | qs.filter(sku__iexact=search)
    return qs
