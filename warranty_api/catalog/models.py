"""What a tenant sells: categories with their warranty terms, products, and known serial numbers."""

from django.db import models

from warranty_api.core.ids import PublicIdField, TimeStamped
from warranty_api.tenancy.models import Coverage, Tenant


class Category(TimeStamped):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="categories")
    slug = models.SlugField(max_length=100)
    name = models.CharField(max_length=200)
    standard_months = models.PositiveIntegerField()
    extended_months = models.PositiveIntegerField(null=True, blank=True)
    coverage = models.CharField(max_length=24, choices=Coverage.choices)
    transferable = models.BooleanField(default=False)
    resolutions = models.JSONField(
        null=True, blank=True, help_text="Resolutions an approved claim may take; empty means the coverage's default."
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"
        constraints = [models.UniqueConstraint(fields=["tenant", "slug"], name="category_unique_slug")]

    def __str__(self) -> str:
        return self.name

    def allowed_resolutions(self, tenant_resolutions: list[str]) -> list[str]:
        """Which resolutions an approved claim under this category may take (TENANT_CONFIG.md, `coverage`)."""
        if self.resolutions:
            return list(self.resolutions)
        if self.coverage == Coverage.FULL_REPLACEMENT:
            return list(tenant_resolutions)
        return [r for r in tenant_resolutions if r == "repair"]


class Product(TimeStamped):
    id = PublicIdField(prefix="prd_", primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="products")
    sku = models.CharField(max_length=100)
    name = models.CharField(max_length=200)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    serial_pattern = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    # An image of the brand's own Wagtail collection (its admins upload and choose it there).
    image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    # GS1 GTIN-14 (check digit validated, zero-padded); with one, the product's QR codes are GS1 Digital Links.
    gtin = models.CharField(max_length=14, blank=True, default="")

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "sku"], name="product_unique_sku"),
            models.UniqueConstraint(fields=["tenant", "gtin"], condition=~models.Q(gtin=""), name="product_unique_gtin"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"


class KnownSerial(models.Model):
    """A serial number the brand made; `serial_number` is stored normalised (trimmed, upper case).

    Brands load these by the million, so the table is only its key, (tenant, serial), which is also the
    one index every lookup uses. Its references are not row-by-row foreign keys: PostgreSQL would run two
    trigger queries per imported row, which made a bulk COPY several times slower. On PostgreSQL one
    statement-level trigger checks each written batch at once, and more strictly: the product must exist
    and belong to the row's tenant (migration 0011). Deletes still cascade through the ORM.
    """

    pk = models.CompositePrimaryKey("tenant", "serial_number")
    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, related_name="known_serials", db_constraint=False, db_index=False
    )
    serial_number = models.CharField(max_length=100)
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="known_serials", db_constraint=False, db_index=False
    )
    manufactured_on = models.DateField(null=True, blank=True)
    # The import that first stored the serial (a job id, or the batch a command named); re-imports keep it.
    import_batch = models.CharField(max_length=40, blank=True, default="", db_default="")

    def __str__(self) -> str:
        return self.serial_number


def normalize_serial(raw: str) -> str:
    """Serials compare with surrounding white space removed and case ignored (TENANT_CONFIG.md)."""
    return raw.strip().upper()
