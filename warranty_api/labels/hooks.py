"""The labels package's Wagtail hooks: its QR codes screen in the staff workspace."""

from wagtail import hooks

from warranty_api.labels.admin_views import LabelsViewSet


@hooks.register("register_admin_viewset")
def labels_viewset():
    return LabelsViewSet()
