"""Wagtail's admin works with our user model: user management, page editing, snippets and images load."""

import pytest
from django.test import Client

from warranty_api.models import User


@pytest.mark.parametrize("path", ["/admin/", "/admin/users/", "/admin/pages/", "/admin/images/", "/admin/documents/", "/admin/groups/"])
def test_admin_screens_load_for_a_superuser(tenant, path):
    root = User.objects.create_superuser(username="ops@aftersale.example", email="ops@aftersale.example", password="x")
    client = Client()
    client.force_login(root)
    assert client.get(path).status_code == 200
