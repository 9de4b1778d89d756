"""Roles: the authorization table of every endpoint on this branch, and the admin's staff endpoints."""

from __future__ import annotations

import pytest
from django.core import mail
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from tests.accounts.test_auth import link_params
from tests.conftest import PASSWORD, client_for
from tests.core.test_api_frame import assert_error
from warranty_api.accounts.tokens import tokens_issue
from warranty_api.models import Membership, Notification, Role, User

ACTORS = ["anonymous", "customer", "other_customer", "other_tenant_customer", "agent", "admin", "other_tenant_admin"]
MEMBER = {"anonymous": 401, "other_tenant_customer": 401, "other_tenant_admin": 401}
ADMIN_ONLY = {**MEMBER, "customer": 403, "other_customer": 403, "agent": 403}
# Public endpoints take no bearer token, so a foreign one is not even looked at.
PUBLIC = {}
# Public, but authentication runs (a code needs the caller): a foreign token is 401.
PUBLIC_AUTHENTICATED = {"other_tenant_customer": 401, "other_tenant_admin": 401}


def _snapshot():
    return {
        "users": sorted(User.objects.values_list("public_id", "email", "full_name", "password", "is_active")),
        "memberships": sorted(Membership.objects.values_list("user_id", "tenant_id", "role", "is_active")),
        "blacklisted": BlacklistedToken.objects.count(),
        "notifications": Notification.objects.count(),
    }


def _request(name, actor, actors):
    agent = actors["agent"][0]
    user, client = actors[actor]
    table = {
        "me_get": ("get", "/api/northpeak/auth/me", None, MEMBER, 200),
        "me_patch": ("patch", "/api/northpeak/auth/me", {"name": "Changed Name"}, MEMBER, 200),
        "logout": ("post", "/api/northpeak/auth/logout", "own_refresh", MEMBER, 204),
        "change_password": (
            "post", "/api/northpeak/auth/change-password",
            {"current_password": PASSWORD, "new_password": "Another-Lantern-77"}, MEMBER, 200,
        ),
        "resend_verification": ("post", "/api/northpeak/auth/resend-verification", {}, MEMBER, None),
        "staff_list": ("get", "/api/northpeak/admin/staff", None, ADMIN_ONLY, 200),
        "staff_invite": ("post", "/api/northpeak/admin/staff", {"email": "new.crew@example.com", "role": "agent"}, ADMIN_ONLY, 201),
        "staff_update": ("patch", f"/api/northpeak/admin/staff/{agent.public_id}", {"role": "admin"}, ADMIN_ONLY, 200),
        "register": ("post", "/api/northpeak/auth/register", {"email": "fresh@example.com", "password": PASSWORD, "name": "F"}, PUBLIC, 201),
        "login": ("post", "/api/northpeak/auth/login", {"email": "owner@example.com", "password": PASSWORD}, PUBLIC, 200),
        "refresh": ("post", "/api/northpeak/auth/refresh", "customer_refresh", PUBLIC, 200),
        "forgot_password": ("post", "/api/northpeak/auth/forgot-password", {"email": "owner@example.com"}, PUBLIC, 202),
        "reset_password": ("post", "/api/northpeak/auth/reset-password", {"uid": "usr_x", "token": "x", "new_password": "Another-Lantern-77"}, PUBLIC, 400),
        "verify_email": ("post", "/api/northpeak/auth/verify-email", {"token": "x"}, PUBLIC_AUTHENTICATED, 400),
        "products": ("get", "/api/northpeak/products", None, PUBLIC_AUTHENTICATED, 200),
        "tenant_config": ("get", "/api/northpeak/config", None, PUBLIC_AUTHENTICATED, 200),
    }
    return table[name], user, client


ENDPOINTS = [
    "me_get", "me_patch", "logout", "change_password", "resend_verification", "staff_list", "staff_invite",
    "staff_update", "register", "login", "refresh", "forgot_password", "reset_password", "verify_email", "products",
    "tenant_config",
]


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_authorization_table(endpoint, actor, actors, tenant, other_tenant, django_capture_on_commit_callbacks):
    (method, url, body, refusals, success), user, client = _request(endpoint, actor, actors)
    if body == "own_refresh":
        # Each caller logs out a refresh token of its own session (of its own tenant).
        own_tenant = user.tenant if user is not None and user.tenant else (tenant if actor in ("agent", "admin") else other_tenant)
        body = {"refresh": tokens_issue(user=user, tenant=own_tenant, role="customer")["refresh"]} if user else {"refresh": "x"}
    elif body == "customer_refresh":
        customer = actors["customer"][0]
        body = {"refresh": tokens_issue(user=customer, tenant=tenant, role="customer")["refresh"]}
    if success is None:  # resend: verified customers have nothing to verify; staff were never verified
        success = 409 if actor in ("customer", "other_customer") else 202
    expected = refusals.get(actor, success)
    before = _snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        response = getattr(client, method)(url, body, format="json") if body is not None else getattr(client, method)(url)
    assert response.status_code == expected, (endpoint, actor, response.content)
    if expected in (401, 403):
        assert response.json()["error"]["code"] == {401: "authentication_failed", 403: "permission_denied"}[expected]
        assert _snapshot() == before  # nothing changed


def test_staff_list_is_paginated_with_constant_queries(tenant, make_staff, django_assert_max_num_queries):
    admin = make_staff(tenant, Role.ADMIN)
    client = client_for(admin, tenant)
    for _ in range(12):
        make_staff(tenant, Role.AGENT)
    counts = []
    for limit in (2, 10):
        with django_assert_max_num_queries(20) as captured:
            response = client.get(f"/api/northpeak/admin/staff?limit={limit}")
        counts.append(len(captured.captured_queries))
        assert len(response.json()["data"]) == limit
    assert counts[0] == counts[1]
    data = client.get("/api/northpeak/admin/staff?limit=100").json()["data"]
    assert {m["role"] for m in data} == {"admin", "agent"}
    assert all(m["id"].startswith("usr_") for m in data)


def test_admin_invites_staff_who_sets_a_password_and_signs_in(api, tenant, make_staff, django_capture_on_commit_callbacks):
    client = client_for(make_staff(tenant, Role.ADMIN), tenant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/northpeak/admin/staff", {"email": "New.Crew@example.com", "role": "agent"}, format="json")
    assert response.status_code == 201
    member = response.json()["data"]
    assert member["email"] == "new.crew@example.com" and member["role"] == "agent" and member["invited"] is True
    params = link_params(mail.outbox[0])
    assert mail.outbox[0].to == ["new.crew@example.com"] and params["path"] == "/northpeak/reset-password"
    reset = api.post("/api/northpeak/auth/reset-password",
                     {"uid": params["uid"], "token": params["token"], "new_password": "Crew-lantern-55"}, format="json")
    assert reset.status_code == 200
    login = api.post("/api/northpeak/auth/login", {"email": "new.crew@example.com", "password": "Crew-lantern-55"}, format="json")
    assert login.json()["data"]["user"]["role"] == "agent"
    again = client.post("/api/northpeak/admin/staff", {"email": "new.crew@example.com", "role": "admin"}, format="json")
    assert_error(again, 409, "already_staff")
    bad = client.post("/api/northpeak/admin/staff", {"email": "x@example.com", "role": "owner"}, format="json")
    assert_error(bad, 400, "validation_error")


def test_admin_changes_role_and_deactivation_stops_tokens_at_once(tenant, make_staff):
    admin = make_staff(tenant, Role.ADMIN)
    agent = make_staff(tenant, Role.AGENT)
    client, agent_client = client_for(admin, tenant), client_for(agent, tenant)
    assert agent_client.get("/api/northpeak/admin/staff").status_code == 403
    response = client.patch(f"/api/northpeak/admin/staff/{agent.public_id}", {"role": "admin"}, format="json")
    assert response.status_code == 200 and response.json()["data"]["role"] == "admin"
    assert agent_client.get("/api/northpeak/admin/staff").status_code == 200  # the role is read per request
    response = client.patch(f"/api/northpeak/admin/staff/{agent.public_id}", {"is_active": False}, format="json")
    assert response.status_code == 200 and response.json()["data"]["is_active"] is False
    assert_error(agent_client.get("/api/northpeak/auth/me"), 401, "authentication_failed")


def test_staff_update_refusals(tenant, other_tenant, make_staff, make_customer):
    admin = make_staff(tenant, Role.ADMIN)
    client = client_for(admin, tenant)
    foreign = make_staff(other_tenant, Role.AGENT)
    customer = make_customer(tenant)
    for target in (foreign, customer):
        assert_error(client.patch(f"/api/northpeak/admin/staff/{target.public_id}", {"role": "admin"}, format="json"), 404, "not_found")
    assert_error(client.patch("/api/northpeak/admin/staff/usr_nothing", {"role": "admin"}, format="json"), 404, "not_found")
    # The brand keeps an admin: the only one can neither step down nor be deactivated.
    Membership.objects.filter(tenant=tenant, user__email="lead@northpeak.example").delete()
    for body in ({"role": "agent"}, {"is_active": False}):
        assert_error(client.patch(f"/api/northpeak/admin/staff/{admin.public_id}", body, format="json"), 409, "last_admin")
    error = assert_error(client.patch(f"/api/northpeak/admin/staff/{admin.public_id}", {"email": "x@example.com"}, format="json"), 400, "validation_error")
    assert error["fields"]["email"][0]["code"] == "not_allowed"
    assert Membership.objects.get(user=admin, tenant=tenant).role == "admin"
    assert Membership.objects.get(user=foreign).role == "agent"
