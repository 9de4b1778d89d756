"""Outputs of the catalog: products with their category's warranty terms."""

from rest_framework import serializers

from warranty_api.catalog.models import Category, Product


class CategoryOutput(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["slug", "name", "standard_months", "extended_months", "coverage", "transferable"]


class ProductOutput(serializers.ModelSerializer):
    category = serializers.CharField(source="category.slug")
    category_name = serializers.CharField(source="category.name")
    warranty = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = ["id", "sku", "name", "category", "category_name", "serial_pattern", "warranty"]

    def get_warranty(self, product: Product) -> dict:
        category = product.category
        return {
            "standard_months": category.standard_months,
            "extended_months": category.extended_months,
            "coverage": category.coverage,
            "transferable": category.transferable,
        }
