"""Wagtail admin hooks of the support documentation: the product chooser used by articles."""

from wagtail import hooks

from .choosers import product_chooser_viewset


@hooks.register("register_admin_viewset")
def register_product_chooser():
    return product_chooser_viewset
