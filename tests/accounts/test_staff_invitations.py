"""Staff accounts are shared by brands: adding an existing one is an invitation it accepts; who may accept."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from tests.accounts.test_auth import link_params
from tests.conftest import PASSWORD, client_for, load_tenant, tenant_config
from tests.core.test_api_frame import assert_error
from warranty_api.accounts.services import staff_invitation_accept, staff_invite
from warranty_api.models import Membership, Notification, NotificationKind, Role, User

ACTORS = ["anonymous", "customer", "other_customer", "other_tenant_customer", "agent", "admin", "other_tenant_admin"]


def _login(slug: str, email: str, password: str = PASSWORD):
    return APIClient().post(f"/api/{slug}/auth/login", {"email": email, "password": password}, format="json")


def _invite(client, slug: str, email: str, role: str, commit):
    with commit():
        return client.post(f"/api/{slug}/admin/staff", {"email": email, "role": role}, format="json")


def test_another_brands_admin_can_only_invite_an_existing_account_which_must_accept(
    tenant, other_tenant, make_staff, commit
):
    """The takeover chain of the security issue, first link: brand B adding brand A's admin as its own staff."""
    victim = make_staff(tenant, Role.ADMIN, email="boss@northpeak.example")
    foreign_admin = client_for(make_staff(other_tenant, Role.ADMIN), other_tenant)
    mail.outbox.clear()
    response = _invite(foreign_admin, "southwind", "Boss@northpeak.example", "admin", commit)
    assert response.status_code == 201
    member = response.json()["data"]
    assert member["id"] == victim.public_id and member["invitation_pending"] is True and member["is_active"] is False
    # No access at the inviting brand until the account accepts: no sign-in, no reset, no Wagtail group.
    assert_error(_login("southwind", "boss@northpeak.example"), 401, "authentication_failed")
    with commit():
        APIClient().post("/api/southwind/auth/forgot-password", {"email": "boss@northpeak.example"}, format="json")
    assert not Notification.objects.filter(tenant=other_tenant, kind=NotificationKind.PASSWORD_RESET).exists()
    assert not victim.groups.filter(id=other_tenant.admin_group_id).exists()
    # The account is told, at its own address, which brand asks and what accepting means.
    (invitation,) = mail.outbox
    assert invitation.to == ["boss@northpeak.example"]
    assert "Southwind Brand" in invitation.subject and "Nothing changes until you accept" in invitation.body
    params = link_params(invitation)
    assert params["path"] == "/southwind/accept-invitation"
    # A brand that re-sends changes nothing; the person accepts, and only then has the role there.
    assert_error(_invite(foreign_admin, "southwind", "boss@northpeak.example", "agent", commit), 409, "already_staff")
    accepted = APIClient().post("/api/southwind/auth/accept-invitation", {"token": params["token"]}, format="json")
    assert accepted.status_code == 200
    assert accepted.json()["data"] == {
        "status": "invitation_accepted", "tenant": "southwind", "email": "boss@northpeak.example", "role": "admin",
    }
    assert _login("southwind", "boss@northpeak.example").json()["data"]["user"]["role"] == "admin"
    assert victim.groups.filter(id=other_tenant.admin_group_id).exists()
    again = APIClient().post("/api/southwind/auth/accept-invitation", {"token": params["token"]}, format="json")
    assert again.status_code == 200  # the link opened twice
    # The password was never touched, and the first brand's role is as it was.
    assert _login("northpeak", "boss@northpeak.example").json()["data"]["user"]["role"] == "admin"


def test_a_new_account_is_a_member_at_once_and_emailed_a_link_to_choose_its_password(tenant, make_staff, commit):
    admin = client_for(make_staff(tenant, Role.ADMIN), tenant)
    response = _invite(admin, "northpeak", "fresh.crew@example.com", "agent", commit)
    member = response.json()["data"]
    assert member["invited"] is True and member["invitation_pending"] is False and member["is_active"] is True
    (message,) = [m for m in mail.outbox if m.to == ["fresh.crew@example.com"]]
    assert Notification.objects.get(to_email="fresh.crew@example.com").kind == NotificationKind.STAFF_INVITATION
    params = link_params(message)
    assert params["path"] == "/northpeak/reset-password"
    reset = APIClient().post(
        "/api/northpeak/auth/reset-password",
        {"uid": params["uid"], "token": params["token"], "new_password": "Crew-lantern-55"}, format="json",
    )
    assert reset.status_code == 200
    assert _login("northpeak", "fresh.crew@example.com", "Crew-lantern-55").status_code == 200


def test_an_invitation_token_works_only_for_its_own_membership_at_its_own_brand(
    tenant, other_tenant, make_staff, commit
):
    person = make_staff(tenant, Role.AGENT, email="crew@example.com")
    with commit():
        membership = staff_invite(tenant=other_tenant, email="crew@example.com", role="agent")
    token = link_params(mail.outbox[-1])["token"]
    for slug, body in (
        ("northpeak", {"token": token}),  # its brand is southwind
        ("southwind", {"token": token[:-2] + "xx"}),
        ("southwind", {"token": ""}),
        ("southwind", {}),
        ("southwind", {"token": ["x"]}),
    ):
        response = APIClient().post(f"/api/{slug}/auth/accept-invitation", body, format="json")
        assert_error(response, 400, "validation_error")
    # A withdrawn invitation, even one sent again afterwards, is not brought back by the old link.
    membership.delete()
    with commit():
        staff_invite(tenant=other_tenant, email="crew@example.com", role="admin")
    response = APIClient().post("/api/southwind/auth/accept-invitation", {"token": token}, format="json")
    assert assert_error(response, 400, "validation_error")["fields"]["token"][0]["code"] == "invalid_token"
    assert Membership.objects.get(user=person, tenant=other_tenant).accepted_at is None


def _snapshot():
    return {
        "memberships": sorted(Membership.objects.values_list("user_id", "tenant_id", "role", "is_active", "accepted_at")),
        "users": sorted(User.objects.values_list("public_id", "password", "is_active")),
        "blacklisted": BlacklistedToken.objects.count(),
        "notifications": Notification.objects.count(),
    }


@pytest.mark.parametrize("actor", ACTORS)
def test_accept_invitation_authorization_table(actor, actors, tenant, other_tenant, make_staff, commit):
    """The token is the authority, not the caller: whoever sends a token that is not a valid invitation of this
    brand changes nothing, whatever bearer token it carries; a valid one accepts that invitation only."""
    make_staff(other_tenant, Role.AGENT, email="invitee@example.com")
    with commit():
        staff_invite(tenant=tenant, email="invitee@example.com", role="agent")
        foreign = staff_invite(tenant=other_tenant, email=actors["admin"][0].email, role="agent")
    token = link_params(mail.outbox[-2])["token"]
    foreign_token = link_params(mail.outbox[-1])["token"]
    assert foreign.accepted_at is None
    _, client = actors[actor]
    url = "/api/northpeak/auth/accept-invitation"

    before = _snapshot()
    for body in ({"token": foreign_token}, {"token": "x"}, {}):
        assert_error(client.post(url, body, format="json"), 400, "validation_error")
    assert _snapshot() == before  # nothing changed

    response = client.post(url, {"token": token}, format="json")
    assert response.status_code == 200, response.content
    after = _snapshot()
    changed = set(after["memberships"]) - set(before["memberships"])
    invitee = User.objects.get(email="invitee@example.com")
    assert [(m[0], m[1]) for m in changed] == [(invitee.pk, tenant.id)]
    assert {k: v for k, v in after.items() if k != "memberships"} == {k: v for k, v in before.items() if k != "memberships"}


def test_load_tenant_invites_an_account_of_another_brand_instead_of_taking_it(tenant, make_staff, commit):
    person = make_staff(tenant, Role.ADMIN, email="shared@example.com")
    with commit():
        brand = load_tenant(tenant_config("eastbay", staff=[{"email": "shared@example.com", "role": "admin"}]))
    membership = Membership.objects.get(user=person, tenant=brand)
    assert membership.accepted_at is None
    assert_error(_login("eastbay", "shared@example.com"), 401, "authentication_failed")
    assert Notification.objects.get(tenant=brand, kind=NotificationKind.STAFF_MEMBERSHIP_INVITATION).to_email == (
        "shared@example.com"
    )
    staff_invitation_accept(tenant=brand, token=link_params(mail.outbox[-1])["token"])
    assert _login("eastbay", "shared@example.com").status_code == 200


def test_a_pending_admin_does_not_count_as_the_brands_admin(tenant, other_tenant, make_staff, commit):
    lead = User.objects.get(email="lead@northpeak.example")
    Membership.objects.filter(user=lead, tenant=tenant).delete()
    admin = make_staff(tenant, Role.ADMIN)
    make_staff(other_tenant, Role.ADMIN, email="outsider@example.com")
    with commit():
        staff_invite(tenant=tenant, email="outsider@example.com", role="admin")
    response = client_for(admin, tenant).patch(
        f"/api/northpeak/admin/staff/{admin.public_id}", {"is_active": False}, format="json"
    )
    assert_error(response, 409, "last_admin")
    assert Membership.objects.get(user=admin, tenant=tenant).is_active is True


def test_the_operators_create_staff_accepts_a_pending_invitation(tenant, other_tenant, make_staff, commit):
    make_staff(tenant, Role.AGENT, email="crew@example.com")
    with commit():
        staff_invite(tenant=other_tenant, email="crew@example.com", role="agent")
    make_staff(other_tenant, Role.AGENT, email="crew@example.com")  # `manage.py create_staff`
    assert Membership.objects.get(user__email="crew@example.com", tenant=other_tenant).accepted_at <= timezone.now()
    assert _login("southwind", "crew@example.com").status_code == 200
