"""A new password ends every earlier session at once, access tokens included; expired token records are purged."""

from __future__ import annotations

import datetime

from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from tests.accounts.test_auth import NEW_PASSWORD, bearer, link_params, post
from tests.conftest import PASSWORD
from tests.core.test_api_frame import assert_error
from warranty_api import tasks
from warranty_api.accounts.tokens import tokens_issue, tokens_purge_expired
from warranty_api.models import Membership, Role, User

ME = "/api/northpeak/auth/me"


def login(email: str, password: str = PASSWORD, slug: str = "northpeak") -> dict:
    response = APIClient().post(f"/api/{slug}/auth/login", {"email": email, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["data"]


def test_change_password_ends_earlier_access_tokens_and_the_answer_carries_working_ones(tenant, make_customer):
    make_customer(tenant, "ann@example.com")
    first, second = login("ann@example.com"), login("ann@example.com")  # two devices
    assert bearer(second["access"]).get(ME).status_code == 200
    response = post(bearer(first["access"]), "change-password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert response.status_code == 200
    fresh = response.json()["data"]
    assert set(fresh) == {"access", "refresh"}  # the shape the endpoint always had

    for stale in (first, second):  # the device that changed it, and the other one
        error = assert_error(bearer(stale["access"]).get(ME), 401, "authentication_failed")
        assert "password" in error["message"]
    assert bearer(fresh["access"]).get(ME).status_code == 200
    refreshed = post(APIClient(), "refresh", {"refresh": fresh["refresh"]})
    assert refreshed.status_code == 200
    assert bearer(refreshed.json()["data"]["access"]).get(ME).status_code == 200
    assert bearer(login("ann@example.com", NEW_PASSWORD)["access"]).get(ME).status_code == 200


def test_reset_password_ends_earlier_access_tokens(tenant, make_customer, commit):
    ann = make_customer(tenant, "ann@example.com")
    before = login("ann@example.com")
    post(APIClient(), "forgot-password", {"email": "ann@example.com"}, commit)
    params = link_params(mail.outbox[0])
    body = {"uid": params["uid"], "token": params["token"], "new_password": NEW_PASSWORD}
    # A token issued after the link was sent but before it was used is just as old as the password. (Issued
    # directly: a sign-in moves `last_login`, which by Django's design ends the reset link itself, a second later.)
    between = tokens_issue(user=ann, tenant=tenant, role=Role.CUSTOMER)
    assert post(APIClient(), "reset-password", body).status_code == 200

    for stale in (before, between):
        assert_error(bearer(stale["access"]).get(ME), 401, "authentication_failed")
    assert bearer(login("ann@example.com", NEW_PASSWORD)["access"]).get(ME).status_code == 200


def test_other_accounts_and_tenants_keep_their_sessions(actors):
    customer, customer_client = actors["customer"]
    paths = {name: "/api/southwind/auth/me" if name.startswith("other_tenant") else ME for name in actors}
    post(customer_client, "change-password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD})

    assert_error(customer_client.get(ME), 401, "authentication_failed")
    for name, (user, client) in actors.items():
        if user is not None and user != customer:
            assert client.get(paths[name]).status_code == 200, name
    # The customer with the same email at the other brand is another account: untouched.
    assert actors["other_tenant_customer"][0].email == customer.email


def test_a_staff_password_change_ends_its_sessions_at_every_brand(tenant, other_tenant, make_staff):
    admin = make_staff(tenant, Role.ADMIN)
    Membership.objects.create(user=admin, tenant=other_tenant, role=Role.ADMIN, accepted_at=timezone.now())
    here, there = login(admin.email), login(admin.email, slug="southwind")
    post(bearer(here["access"]), "change-password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert_error(bearer(there["access"]).get("/api/southwind/auth/me"), 401, "authentication_failed")


def test_a_password_set_outside_the_api_ends_access_and_refresh_tokens(api, tenant, make_staff):
    """Wagtail's admin, its reset form and `manage.py changepassword` all end in `set_password` and `save`."""
    agent = make_staff(tenant, Role.AGENT)
    session = login(agent.email)
    user = User.objects.get(pk=agent.pk)
    user.set_password(NEW_PASSWORD)
    user.save()

    assert_error(bearer(session["access"]).get(ME), 401, "authentication_failed")
    # No blacklist row was written on this path: the refresh token is refused for its stale stamp.
    assert not BlacklistedToken.objects.filter(token__jti=RefreshToken(session["refresh"], verify=False)["jti"]).exists()
    assert_error(post(api, "refresh", {"refresh": session["refresh"]}), 401, "authentication_failed")


class FewerIterationsPBKDF2(PBKDF2PasswordHasher):
    iterations = 1000  # a stronger hasher than the tests' MD5, cheap enough for a test


def test_a_hasher_upgrade_at_sign_in_ends_no_session(tenant, make_customer, settings):
    user = make_customer(tenant, "ann@example.com")  # hashed with MD5, the test settings' hasher
    session = login("ann@example.com")
    settings.PASSWORD_HASHERS = [f"{__name__}.FewerIterationsPBKDF2", "django.contrib.auth.hashers.MD5PasswordHasher"]
    login("ann@example.com")  # Django re-hashes the same password with the preferred hasher

    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_sha256$")
    assert bearer(session["access"]).get(ME).status_code == 200


def test_tokens_issued_before_the_version_claim_existed_last_until_a_password_change(tenant, make_customer):
    user = make_customer(tenant, "ann@example.com")
    refresh = RefreshToken.for_user(user)
    refresh["tenant"] = tenant.id  # what tokens_issue stamped before credentials_version
    access = str(refresh.access_token)
    assert bearer(access).get(ME).status_code == 200
    user.set_password(NEW_PASSWORD)
    user.save()
    assert_error(bearer(access).get(ME), 401, "authentication_failed")


def test_authentication_reads_the_user_once(tenant, make_customer, django_assert_num_queries):
    """The version is compared on the user row authentication loads anyway: no query of its own."""
    user = make_customer(tenant)
    client = bearer(tokens_issue(user=user, tenant=tenant, role=Role.CUSTOMER)["access"])
    with django_assert_num_queries(4):  # the tenant, the user (version compared on it), warranty count, opt-in answer
        response = client.get(ME)
    assert response.status_code == 200


# --- purging expired token records ------------------------------------------------------------------------------


def test_schedules_sync_registers_the_daily_purge(db):
    call_command("schedules_sync")
    schedule = Schedule.objects.get(name="tokens_purge_expired")
    assert schedule.func == "warranty_api.tasks.tokens_purge_expired"
    assert schedule.schedule_type == Schedule.DAILY


def test_the_purge_deletes_expired_records_and_keeps_live_ones(tenant, make_customer):
    user = make_customer(tenant)
    jtis = {}
    for name in ("expired", "expired_revoked", "live", "live_revoked"):
        jtis[name] = RefreshToken(tokens_issue(user=user, tenant=tenant, role=Role.CUSTOMER)["refresh"])["jti"]
    past = timezone.now() - datetime.timedelta(seconds=1)
    OutstandingToken.objects.filter(jti__in=[jtis["expired"], jtis["expired_revoked"]]).update(expires_at=past)
    for name in ("expired_revoked", "live_revoked"):
        BlacklistedToken.objects.create(token=OutstandingToken.objects.get(jti=jtis[name]))

    assert tasks.tokens_purge_expired() == 2
    assert set(OutstandingToken.objects.values_list("jti", flat=True)) == {jtis["live"], jtis["live_revoked"]}
    assert list(BlacklistedToken.objects.values_list("token__jti", flat=True)) == [jtis["live_revoked"]]
    assert tasks.tokens_purge_expired() == 0  # run twice: nothing more to do


def test_the_purge_goes_through_every_batch(tenant, make_customer):
    user = make_customer(tenant)
    for _ in range(3):
        tokens_issue(user=user, tenant=tenant, role=Role.CUSTOMER)
    OutstandingToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert tokens_purge_expired(batch_size=2) == 3
    assert not OutstandingToken.objects.exists()


def test_deactivating_a_membership_ends_its_tokens_for_good_and_only_at_that_brand(tenant, other_tenant, make_staff):
    """A reactivated membership does not bring back the sessions of before (refresh tokens live 14 days)."""
    admin = make_staff(tenant, Role.ADMIN)
    agent = make_staff(tenant, Role.AGENT, email="crew@example.com")
    Membership.objects.create(user=agent, tenant=other_tenant, role=Role.AGENT, accepted_at=timezone.now())
    here, elsewhere = login("crew@example.com"), login("crew@example.com", slug="southwind")
    staff_url = f"/api/northpeak/admin/staff/{agent.public_id}"
    admin_client = bearer(login(admin.email)["access"])
    assert admin_client.patch(staff_url, {"is_active": False}, format="json").status_code == 200
    assert admin_client.patch(staff_url, {"is_active": True}, format="json").status_code == 200

    assert_error(bearer(here["access"]).get(ME), 401, "authentication_failed")
    assert_error(post(APIClient(), "refresh", {"refresh": here["refresh"]}), 401, "authentication_failed")
    # The other brand's sessions are not this brand's to end.
    assert bearer(elsewhere["access"]).get("/api/southwind/auth/me").status_code == 200
    assert APIClient().post("/api/southwind/auth/refresh", {"refresh": elsewhere["refresh"]}, format="json").status_code == 200
    # A new sign-in works, and a role change alone ends nothing.
    fresh = login("crew@example.com")
    assert admin_client.patch(staff_url, {"role": "admin"}, format="json").status_code == 200
    assert bearer(fresh["access"]).get(ME).status_code == 200
    assert post(APIClient(), "refresh", {"refresh": fresh["refresh"]}).status_code == 200


def test_a_deactivated_account_does_not_get_its_old_tokens_back_when_reactivated(tenant, make_customer):
    """Wagtail's or Django's admin switching an account off and on again (the account, not a membership)."""
    customer = make_customer(tenant, "ann@example.com")
    session = login("ann@example.com")
    user = User.objects.get(pk=customer.pk)
    user.is_active = False
    user.save()
    user = User.objects.get(pk=customer.pk)
    user.is_active = True
    user.save()
    assert_error(bearer(session["access"]).get(ME), 401, "authentication_failed")
    assert_error(post(APIClient(), "refresh", {"refresh": session["refresh"]}), 401, "authentication_failed")
    assert bearer(login("ann@example.com")["access"]).get(ME).status_code == 200


def test_a_sign_in_after_the_reset_link_was_sent_ends_the_link(tenant, make_customer, commit):
    """Django's reset tokens hash `last_login`: whoever signs in (with the password they remembered after all)
    ends every reset link sent before, so a link left in a mailbox cannot change the password later."""
    ann = make_customer(tenant, "ann@example.com")
    User.objects.filter(pk=ann.pk).update(last_login=timezone.now() - datetime.timedelta(minutes=5))
    post(APIClient(), "forgot-password", {"email": "ann@example.com"}, commit)
    params = link_params(mail.outbox[0])
    body = {"uid": params["uid"], "token": params["token"], "new_password": NEW_PASSWORD}
    login("ann@example.com")
    assert_error(post(APIClient(), "reset-password", body), 400, "validation_error")
