"""The password panel of Wagtail's account settings: the one guarded check, and a change that ends API sessions."""

from __future__ import annotations

from django import forms
from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import PASSWORD
from tests.core.test_api_frame import assert_error
from warranty_api.models import Role, User

NEW_PASSWORD = "Another-Lantern-77"


def _signed_in_admin(make_staff, tenant) -> tuple[Client, User]:
    staff = make_staff(tenant, Role.ADMIN, email="lead2@northpeak.example")
    client = Client()
    assert client.post("/admin/login/", {"username": staff.email, "password": PASSWORD}).status_code == 302
    return client, staff


def _account_form_as_shown(client: Client) -> dict:
    """The account screen posts every panel at once: what each of its other panels shows now, as posted data."""
    page = client.get("/admin/account/")
    data = {}
    for panels in page.context["panels_by_tab"].values():
        for panel in panels:
            form = panel.get_form()
            for field in form:
                if isinstance(field.field, forms.FileField):
                    continue
                value = field.value()
                if value is not None and not isinstance(value, bool | list):
                    data[field.html_name] = value
                elif value is True:
                    data[field.html_name] = "on"
    return data


def _change(client: Client, old: str, new: str = NEW_PASSWORD):
    data = _account_form_as_shown(client)
    # Wagtail's name panel requires both names, which a staff account made from an email alone has not got yet.
    data.update({"name_email-first_name": "Lee", "name_email-last_name": "Park"})
    data.update({"password-old_password": old, "password-new_password1": new, "password-new_password2": new})
    return client.post("/admin/account/", data)


def test_the_account_screen_offers_one_password_panel(tenant, make_staff):
    client, _ = _signed_in_admin(make_staff, tenant)
    page = client.get("/admin/account/").content.decode()
    assert page.count('name="password-old_password"') == 1


def test_a_change_with_the_right_password_applies_and_ends_api_sessions(tenant, make_staff):
    client, staff = _signed_in_admin(make_staff, tenant)
    api = APIClient()
    tokens = api.post("/api/northpeak/auth/login", {"email": staff.email, "password": PASSWORD}, format="json").json()["data"]
    assert _change(client, PASSWORD).status_code == 302
    assert User.objects.get(pk=staff.pk).check_password(NEW_PASSWORD)
    assert client.get("/admin/").status_code == 200  # the admin session itself stays signed in
    refused = api.post("/api/northpeak/auth/refresh", {"refresh": tokens["refresh"]}, format="json")
    assert refused.status_code == 401


def test_wrong_current_passwords_count_toward_the_shared_lockout(tenant, make_staff, lockout):
    client, staff = _signed_in_admin(make_staff, tenant)
    for _ in range(5):
        response = _change(client, "wrong")
        assert response.status_code == 200
    response = _change(client, PASSWORD)
    assert response.status_code == 200 and b"Too many attempts" in response.content
    assert User.objects.get(pk=staff.pk).check_password(PASSWORD)
    # The API's sign-in waits too: one lockout for every way in.
    login = APIClient().post("/api/northpeak/auth/login", {"email": staff.email, "password": PASSWORD}, format="json")
    assert_error(login, 429, "rate_limited")
