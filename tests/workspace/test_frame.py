"""The workspace frame: a person's brands, the brand switch, who may enter the admin, and the small things."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import PASSWORD
from tests.support.admin_matrix import check_matrix, db_state, use_brand
from warranty_api.models import Membership, Role, User
from warranty_api.onboarding.services import staff_create
from warranty_api.workspace.brand import SESSION_KEY
from warranty_api.workspace.permissions import Area, role_may


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_member_of_two_brands_switches_and_the_choice_is_kept(tenant, other_tenant, make_staff):
    person = make_staff(tenant, Role.AGENT, email="both@example.com")
    staff_create(tenant=other_tenant, email="both@example.com", role=Role.ADMIN, password=PASSWORD)
    # The invitation accepted (its own flow is tested elsewhere).
    Membership.objects.filter(user=person, tenant=other_tenant).update(accepted_at=Membership.objects.get(
        user=person, tenant=tenant).accepted_at)
    person.refresh_from_db()
    client = _signed_in(person)

    page = client.get("/admin/workspace/brand/").content.decode()
    assert "Northpeak Outdoor" in page and "Southwind Brand" in page
    assert 'data-workspace-brand="northpeak"' in page

    response = client.post("/admin/workspace/brand/", {"brand": "southwind", "next": "/admin/workspace/brand/"})
    assert response.status_code == 302 and response["Location"] == "/admin/workspace/brand/"
    assert client.session[SESSION_KEY] == other_tenant.id
    page = client.get("/admin/workspace/brand/").content.decode()
    assert 'data-workspace-brand="southwind"' in page and "as admin" in page
    # The sidebar names the brand on every admin screen, Wagtail's own included.
    assert "Brand: Southwind Brand (switch)" in client.get("/admin/images/").content.decode()


def test_a_brand_that_is_not_theirs_cannot_be_chosen(tenant, other_tenant, make_staff):
    agent = make_staff(tenant, Role.AGENT)
    client = _signed_in(agent)
    assert client.post("/admin/workspace/brand/", {"brand": other_tenant.slug}).status_code == 404
    assert SESSION_KEY not in client.session
    assert 'data-workspace-brand="northpeak"' in client.get("/admin/workspace/brand/").content.decode()


def test_an_offsite_next_is_not_followed(tenant, make_staff):
    client = _signed_in(make_staff(tenant, Role.AGENT))
    response = client.post("/admin/workspace/brand/", {"brand": tenant.slug, "next": "https://evil.example/"})
    assert response["Location"] == "/admin/"


def test_a_superuser_sees_every_brand(tenant, other_tenant):
    root = User.objects.create_superuser(username="ops@aftersale.example", email="ops@aftersale.example", password="x")
    client = _signed_in(root)
    page = client.get("/admin/workspace/brand/").content.decode()
    assert "Northpeak Outdoor" in page and "Southwind Brand" in page
    use_brand(client, other_tenant)
    assert client.session[SESSION_KEY] == other_tenant.id


def test_a_withdrawn_or_pending_membership_gives_no_brand(tenant, other_tenant, make_staff):
    agent = make_staff(tenant, Role.AGENT)
    Membership.objects.filter(user=agent).update(is_active=False)
    assert _signed_in(agent).get("/admin/workspace/brand/")["Location"] in ("/admin/", "/admin/login/?next=/admin/workspace/brand/")
    invited = make_staff(other_tenant, Role.AGENT)
    Membership.objects.filter(user=invited).update(accepted_at=None)
    assert _signed_in(invited).get("/admin/workspace/brand/").status_code == 302


def test_customers_cannot_enter_the_admin_at_all(tenant, make_customer):
    customer = make_customer(tenant, "owner@example.com")
    # Even put in the brand's staff group by mistake, a customer account holds no permission.
    customer.groups.add(tenant.admin_group)
    client = _signed_in(customer)
    for path in ("/admin/", "/admin/pages/", "/admin/workspace/brand/"):
        assert client.get(path)["Location"].startswith("/admin/login/")
    # And the sign-in form does not take a customer's password.
    response = Client().post("/admin/login/", {"username": "owner@example.com", "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in Client().session


def test_the_policy_of_areas():
    for area in (Area.CLAIMS, Area.WARRANTIES, Area.CUSTOMERS, Area.IMPORTS, Area.OUTBOX):
        assert role_may(Role.AGENT, area) and role_may(Role.ADMIN, area)
    for area in (Area.CONFIGURATION, Area.STAFF, Area.INTEGRATIONS):
        assert not role_may(Role.AGENT, area) and role_may(Role.ADMIN, area)
    assert not role_may(Role.CUSTOMER, Area.CLAIMS) and not role_may(None, Area.CLAIMS)


def test_brand_switch_authorization_table(admin_callers, tenant):
    check_matrix(
        admin_callers,
        {"anonymous": "login", "customer": "login", "agent": "ok", "admin": "ok", "other_admin": "ok", "superuser": "ok"},
        act=lambda client, ctx: client.get("/admin/workspace/brand/"),
        state=lambda ctx: db_state(Membership, User),
    )


@pytest.mark.parametrize("path", ["/admin/login/", "/admin/"])
def test_the_platform_name_and_no_gravatar(tenant, make_staff, path):
    client = _signed_in(make_staff(tenant, Role.AGENT)) if path == "/admin/" else Client()
    page = client.get(path).content.decode()
    assert "Aftersale" in page and "localhost" not in page and "Wagtail CMS" not in page
    assert "gravatar" not in page.lower()
    if path == "/admin/login/":
        assert "Sign in to Aftersale" in page and 'placeholder="Enter your email"' in page
        assert "Enter your username" not in page
