"""Wagtail per tenant: a portal root page at /<slug>/, a collection, and groups that reach that tenant only."""

from django.test import Client
from wagtail.models import Page

from home.models import TenantPortalPage
from tests.conftest import PASSWORD
from warranty_api.models import Role


def test_each_tenant_gets_a_branded_portal_page(tenant, other_tenant):
    response = Client().get("/northpeak/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Northpeak Outdoor" in html and "#0b5d3b" in html and "Built for the long trail" in html
    assert Client().get("/southwind/").status_code == 200
    assert tenant.collection is not None and tenant.collection != other_tenant.collection
    assert tenant.admin_group.name == "northpeak admins"


def test_staff_sign_in_to_wagtail_with_the_same_account_and_edit_only_their_portal(tenant, other_tenant, make_staff):
    admin = make_staff(tenant, Role.ADMIN, email="editor@northpeak.example")
    client = Client()
    assert client.post("/admin/login/", {"username": admin.username, "password": PASSWORD}).status_code == 302
    assert client.get("/admin/").status_code == 200
    own = TenantPortalPage.objects.get(tenant=tenant)
    foreign = TenantPortalPage.objects.get(tenant=other_tenant)
    assert client.get(f"/admin/pages/{own.id}/edit/").status_code == 200
    assert client.get(f"/admin/pages/{foreign.id}/edit/").status_code in (302, 403)
    perms_own = own.permissions_for_user(admin)
    assert perms_own.can_edit() and perms_own.can_publish()
    assert not foreign.permissions_for_user(admin).can_edit()


def test_agents_edit_but_do_not_publish(tenant, make_staff):
    agent = make_staff(tenant, Role.AGENT)
    perms = TenantPortalPage.objects.get(tenant=tenant).permissions_for_user(agent)
    assert perms.can_edit() and not perms.can_publish()


def test_customers_cannot_enter_wagtail_admin(tenant, make_customer):
    customer = make_customer(tenant, "buyer@example.com")
    client = Client()
    client.post("/admin/login/", {"username": customer.username, "password": PASSWORD})
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_portal_pages_hang_under_one_landing_page(tenant, other_tenant):
    portals = TenantPortalPage.objects.all()
    assert {p.get_parent().specific_class.__name__ for p in portals} == {"LandingPage"}
    assert Page.objects.filter(slug="northpeak").count() == 1
