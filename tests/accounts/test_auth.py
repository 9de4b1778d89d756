"""Accounts over the API: sign-up, sign-in, tokens, email ownership, password reset and change, profile."""

from __future__ import annotations

import datetime
import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from tests.conftest import PASSWORD, client_for
from tests.core.test_api_frame import assert_error
from warranty_api.accounts.services import login_delay
from warranty_api.accounts.tokens import tokens_issue
from warranty_api.models import Customer, Membership, Notification, Role, User, Warranty

BASE = "/api/northpeak/auth"
NEW_PASSWORD = "Another-Lantern-77"


def post(client, path, body, commit=None, **extra):
    if commit is None:
        return client.post(f"{BASE}/{path}", body, format="json", **extra)
    with commit():
        return client.post(f"{BASE}/{path}", body, format="json", **extra)


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def link_params(message) -> dict:
    url = re.search(r"https?://\S+", message.body).group(0)
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()} | {"path": urlparse(url).path}


def code_of(message) -> str:
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def register(api, commit, email="new@example.com", **extra):
    body = {"email": email, "password": PASSWORD, "name": "Nora New", **extra}
    return post(api, "register", body, commit)


def make_warranty(tenant, email: str) -> Warranty:
    product = tenant.products.get(sku="TP9-ELITE-SC")
    customer, _ = Customer.objects.get_or_create(tenant=tenant, email=email, defaults={"name": "Victor Victim"})
    return Warranty.objects.create(
        tenant=tenant, serial_number="SN-CA-20250115", product=product, customer=customer,
        purchase_date=datetime.date(2026, 1, 15), warranty_start=datetime.date(2026, 1, 15),
        warranty_end=datetime.date(2028, 1, 15), coverage="full_replacement",
    )


# --- register --------------------------------------------------------------------------------------------------


def test_register_signs_in_unverified_and_emails_link_and_code(api, tenant, commit):
    response = register(api, commit, email="  New@Example.com ", phone="+1-555-0100", address={"city": "Miami"})
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert set(data) == {"access", "refresh", "user"}
    user = data["user"]
    assert user["id"].startswith("usr_") and user["email"] == "new@example.com"
    assert user["role"] == "customer" and user["email_verified"] is False and user["tenant"] == "northpeak"
    assert user["name"] == "Nora New" and user["address"] == {"city": "Miami"}
    assert bearer(data["access"]).get(f"{BASE}/me").json()["data"]["email"] == "new@example.com"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new@example.com"]
    params = link_params(message)
    assert params["path"] == "/northpeak/verify-email" and params["token"]
    assert re.fullmatch(r"\d{6}", code_of(message))
    assert not Customer.objects.filter(account__email="new@example.com").exists()  # linked only once verified


def test_register_duplicate_email_is_409_whatever_the_case(api, tenant, make_customer, commit):
    make_customer(tenant, "taken@example.com")
    response = register(api, commit, email="TAKEN@example.com")
    assert_error(response, 409, "email_already_registered")
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1
    assert mail.outbox == []


def test_register_refuses_the_email_of_this_brands_staff(api, tenant, make_staff, commit):
    make_staff(tenant, Role.AGENT, email="crew@example.com")
    assert_error(register(api, commit, email="crew@example.com"), 409, "email_already_registered")


def test_same_email_may_hold_accounts_at_two_brands(api, tenant, other_tenant, make_customer, commit):
    make_customer(other_tenant, "both@example.com")
    assert register(api, commit, email="both@example.com").status_code == 201
    assert User.objects.filter(email="both@example.com").count() == 2


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"email": "x@example.com", "password": "short", "name": "X"}, "password", "password_too_short"),
        ({"email": "x@example.com", "password": "password123", "name": "X"}, "password", "password_too_common"),
        ({"email": "not-an-email", "password": PASSWORD, "name": "X"}, "email", "invalid"),
        ({"email": "x@example.com", "password": PASSWORD}, "name", "required"),
        ({"email": "x@example.com", "password": PASSWORD, "name": "X", "address": "a string"}, "address", "not_a_dict"),
    ],
)
def test_register_validation(api, tenant, body, field, code):
    error = assert_error(api.post(f"{BASE}/register", body, format="json"), 400, "validation_error")
    assert code in [e["code"] for e in error["fields"][field]]
    assert not User.objects.filter(tenant=tenant).exists()


# --- login -----------------------------------------------------------------------------------------------------


def test_login_customer_and_staff(api, tenant, make_customer, make_staff):
    make_customer(tenant, "ann@example.com")
    admin = make_staff(tenant, Role.ADMIN, email="boss@example.com")
    customer = post(api, "login", {"email": "ANN@example.com ", "password": PASSWORD}).json()["data"]
    assert customer["user"]["role"] == "customer" and customer["user"]["email_verified"] is True
    assert set(customer["user"]) >= {"id", "email", "name", "role", "email_verified", "tenant"}
    staff = post(api, "login", {"email": "boss@example.com", "password": PASSWORD}).json()["data"]
    assert staff["user"]["role"] == "admin" and staff["user"]["id"] == admin.public_id
    assert bearer(staff["access"]).get("/api/northpeak/admin/staff").status_code == 200


def test_login_refusals_are_identical(api, tenant, other_tenant, make_customer, make_staff):
    make_customer(tenant, "ann@example.com")
    make_customer(other_tenant, "elsewhere@example.com")
    make_staff(other_tenant, Role.ADMIN, email="foreign.boss@example.com")
    inactive = make_customer(tenant, "gone@example.com")
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    attempts = [
        {"email": "ann@example.com", "password": "wrong-password"},
        {"email": "nobody@example.com", "password": PASSWORD},
        {"email": "elsewhere@example.com", "password": PASSWORD},  # a customer of another brand
        {"email": "foreign.boss@example.com", "password": PASSWORD},  # staff of another brand
        {"email": "gone@example.com", "password": PASSWORD},
    ]
    bodies = set()
    for body in attempts:
        response = post(api, "login", body)
        assert_error(response, 401, "authentication_failed")
        bodies.add(response.content)
    assert len(bodies) == 1


def test_deactivated_staff_membership_cannot_log_in(api, tenant, make_staff):
    agent = make_staff(tenant, Role.AGENT, email="crew@example.com")
    Membership.objects.filter(user=agent).update(is_active=False)
    assert_error(post(api, "login", {"email": "crew@example.com", "password": PASSWORD}), 401, "authentication_failed")


def test_login_delay_grows_and_is_capped():
    assert [login_delay(n) for n in (0, 4, 5, 6, 7, 10)] == [0, 0, 1, 2, 4, 32]
    assert login_delay(15) == 900 and login_delay(10_000) == 900  # never a permanent lock


def test_repeated_failures_slow_one_account_down(api, tenant, make_customer, settings):
    settings.AFTERSALE_LOGIN_BACKOFF = {"free_failures": 5, "base_seconds": 60, "max_seconds": 900}
    make_customer(tenant, "ann@example.com")
    make_customer(tenant, "bob@example.com")
    for _ in range(5):
        assert post(api, "login", {"email": "ann@example.com", "password": "wrong"}).status_code == 401
    # Now even the right password waits, with a Retry-After; another account is not affected.
    response = post(api, "login", {"email": "ann@example.com", "password": PASSWORD})
    assert_error(response, 429, "rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert post(api, "login", {"email": "bob@example.com", "password": PASSWORD}).status_code == 200


def test_successful_login_resets_the_failure_count(api, tenant, make_customer, settings):
    settings.AFTERSALE_LOGIN_BACKOFF = {"free_failures": 5, "base_seconds": 60, "max_seconds": 900}
    make_customer(tenant, "ann@example.com")
    for _ in range(2):
        for _ in range(4):
            assert post(api, "login", {"email": "ann@example.com", "password": "wrong"}).status_code == 401
        assert post(api, "login", {"email": "ann@example.com", "password": PASSWORD}).status_code == 200


# --- throttles -------------------------------------------------------------------------------------------------


def _rates(settings, **rates):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates},
    }


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("login", {"email": "ann@example.com", "password": "wrong"}),
        ("register", {"email": "bad", "password": "x", "name": "X"}),
        ("forgot-password", {"email": "ann@example.com"}),
        ("reset-password", {"uid": "usr_x", "token": "t", "new_password": NEW_PASSWORD}),
        ("verify-email", {"token": "garbage"}),
    ],
)
def test_auth_endpoints_are_throttled_per_ip(api, tenant, settings, path, body):
    _rates(settings, auth_ip="3/minute")
    for _ in range(3):
        assert post(api, path, body).status_code != 429
    response = post(api, path, body)
    assert_error(response, 429, "rate_limited")
    assert int(response["Retry-After"]) >= 1
    # Another address still gets through.
    assert post(api, path, body, REMOTE_ADDR="10.9.8.7").status_code != 429


@pytest.mark.parametrize("path", ["login", "forgot-password"])
def test_auth_endpoints_are_throttled_per_email_across_ips(api, tenant, settings, path):
    _rates(settings, auth_account="2/minute")
    body = {"email": "Ann@example.com", "password": "wrong"}
    for ip in ("10.0.0.1", "10.0.0.2"):
        assert post(api, path, body, REMOTE_ADDR=ip).status_code != 429
    response = post(api, path, {**body, "email": "ann@EXAMPLE.com"}, REMOTE_ADDR="10.0.0.3")
    assert_error(response, 429, "rate_limited")
    assert response["Retry-After"]
    assert post(api, path, {**body, "email": "other@example.com"}, REMOTE_ADDR="10.0.0.3").status_code != 429


def test_resend_verification_is_throttled_per_account(tenant, make_customer, settings, commit):
    _rates(settings, auth_account="1/minute")
    user = make_customer(tenant, verified=False)
    client = client_for(user, tenant)
    assert post(client, "resend-verification", {}, commit).status_code == 202
    response = post(client, "resend-verification", {}, commit, REMOTE_ADDR="10.1.1.1")
    assert_error(response, 429, "rate_limited")
    assert len(mail.outbox) == 1


# --- tokens ----------------------------------------------------------------------------------------------------


def _login(api, email="ann@example.com", password=PASSWORD) -> dict:
    response = post(api, "login", {"email": email, "password": password})
    assert response.status_code == 200, response.content
    return response.json()["data"]


def test_refresh_rotates_and_the_old_token_is_revoked(api, tenant, make_customer):
    make_customer(tenant, "ann@example.com")
    session = _login(api)
    response = post(api, "refresh", {"refresh": session["refresh"]})
    assert response.status_code == 200
    pair = response.json()["data"]
    assert set(pair) == {"access", "refresh"} and pair["refresh"] != session["refresh"]
    assert bearer(pair["access"]).get(f"{BASE}/me").status_code == 200
    # Past its grace window (tests/warranty_api/test_refresh_grace.py) the rotated-out token is refused.
    BlacklistedToken.objects.update(blacklisted_at=timezone.now() - datetime.timedelta(days=1))
    assert_error(post(api, "refresh", {"refresh": session["refresh"]}), 401, "authentication_failed")
    assert post(api, "refresh", {"refresh": pair["refresh"]}).status_code == 200


def test_refresh_refusals(api, tenant, other_tenant, make_customer):
    user = make_customer(tenant, "ann@example.com")
    session = _login(api)
    foreign = tokens_issue(user=make_customer(other_tenant), tenant=other_tenant, role="customer")
    for raw in (foreign["refresh"], session["access"], "not-a-token", session["refresh"][:-3] + "abc"):
        assert_error(post(api, "refresh", {"refresh": raw}), 401, "authentication_failed")
    # A token of tenant A is refused on tenant B's paths.
    assert_error(APIClient().post("/api/southwind/auth/refresh", {"refresh": session["refresh"]}, format="json"),
                 401, "authentication_failed")
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert_error(post(api, "refresh", {"refresh": session["refresh"]}), 401, "authentication_failed")


def test_access_token_of_tenant_a_is_401_on_tenant_b(tenant, other_tenant, make_staff):
    admin = make_staff(tenant, Role.ADMIN)
    Membership.objects.create(user=admin, tenant=other_tenant, role=Role.ADMIN, accepted_at=timezone.now())  # even staff of both brands
    client = client_for(admin, tenant)
    assert client.get("/api/northpeak/auth/me").status_code == 200
    assert_error(client.get("/api/southwind/auth/me"), 401, "authentication_failed")
    assert_error(client.get("/api/southwind/admin/staff"), 401, "authentication_failed")


def test_deactivated_account_tokens_stop_at_once(api, tenant, make_customer):
    user = make_customer(tenant, "ann@example.com")
    session = _login(api)
    client = bearer(session["access"])
    assert client.get(f"{BASE}/me").status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert_error(client.get(f"{BASE}/me"), 401, "authentication_failed")


def test_expired_access_token_is_token_expired(tenant, make_customer):
    from rest_framework_simplejwt.tokens import AccessToken

    user = make_customer(tenant)
    token = AccessToken.for_user(user)
    token["tenant"] = tenant.id
    token.set_exp(lifetime=-datetime.timedelta(seconds=1))
    assert_error(bearer(str(token)).get(f"{BASE}/me"), 401, "token_expired")


def test_logout_revokes_the_refresh_token(api, tenant, make_customer):
    make_customer(tenant, "ann@example.com")
    session = _login(api)
    client = bearer(session["access"])
    response = post(client, "logout", {"refresh": session["refresh"]})
    assert response.status_code == 204
    # The test client drops a 204's body; the length the server declared shows whether it sent one.
    assert response.get("Content-Length") in (None, "0")
    assert_error(post(api, "refresh", {"refresh": session["refresh"]}), 401, "authentication_failed")
    assert post(client, "logout", {"refresh": session["refresh"]}).status_code == 204  # again: nothing to do


def test_logout_refuses_someone_elses_refresh_token(api, tenant, make_customer):
    make_customer(tenant, "ann@example.com")
    make_customer(tenant, "bob@example.com")
    ann = _login(api)
    bob = _login(api, "bob@example.com")
    error = assert_error(post(bearer(bob["access"]), "logout", {"refresh": ann["refresh"]}), 400, "validation_error")
    assert error["fields"]["refresh"][0]["code"] == "invalid_token"
    assert_error(post(bearer(bob["access"]), "logout", {"refresh": "junk"}), 400, "validation_error")
    assert post(api, "refresh", {"refresh": ann["refresh"]}).status_code == 200  # still good
    assert_error(post(api, "logout", {"refresh": ann["refresh"]}), 401, "authentication_failed")


# --- email verification and the hijack attempt ------------------------------------------------------------------


def test_hijack_attempt_sees_nothing_even_when_the_mailbox_owner_opens_the_link(api, tenant, make_customer, commit):
    warranty = make_warranty(tenant, "victim@example.com")
    attacker = register(api, commit, email="victim@example.com").json()["data"]
    attacker_client = bearer(attacker["access"])
    me = attacker_client.get(f"{BASE}/me").json()["data"]
    assert me["warranty_count"] == 0 and me["email_verified"] is False
    warranty.refresh_from_db()
    assert warranty.owner is None
    assert Customer.objects.get(tenant=tenant, email="victim@example.com").account is None
    # A guessed code does not verify either.
    for guess in ("000000", "123456"):
        assert post(attacker_client, "verify-email", {"code": guess}).status_code == 400
    # The mailbox's owner opens the link: it proves the mailbox, not the account someone else made with it.
    token = link_params(mail.outbox[0])["token"]
    assert_error(post(api, "verify-email", {"token": token}), 401, "authentication_failed")
    victims_own = make_customer(tenant, "victor@example.com")
    error = assert_error(post(client_for(victims_own, tenant), "verify-email", {"token": token}), 400, "validation_error")
    assert error["fields"]["token"][0]["code"] == "other_account"
    warranty.refresh_from_db()
    assert warranty.owner is None
    assert Customer.objects.get(tenant=tenant, email="victim@example.com").account is None
    assert User.objects.get(public_id=attacker["user"]["id"]).email_verified is False
    assert attacker_client.get(f"{BASE}/me").json()["data"]["warranty_count"] == 0


def test_sign_up_link_verifies_signed_in_to_the_new_account_and_brings_its_warranties(api, tenant, commit):
    warranty = make_warranty(tenant, "new@example.com")
    session = register(api, commit).json()["data"]
    token = link_params(mail.outbox[0])["token"]
    response = post(bearer(session["access"]), "verify-email", {"token": token})
    assert response.status_code == 200 and response.json()["data"]["email_verified"] is True
    warranty.refresh_from_db()
    assert warranty.owner.public_id == session["user"]["id"]


def test_email_change_email_names_the_account_the_address_would_join(tenant, make_customer, commit):
    attacker = make_customer(tenant, "mallory@example.com")
    User.objects.filter(pk=attacker.pk).update(full_name="Mallory Mask")
    attacker.refresh_from_db()
    with commit():
        client_for(attacker, tenant).patch(f"{BASE}/me", {"email": "victim@example.com"}, format="json")
    notification = Notification.objects.get(tenant=tenant, to_email="victim@example.com")
    assert notification.kind == "email_change_verification"
    body = mail.outbox[0].body
    assert "Mallory Mask" in body and "mallory@example.com" in body and code_of(mail.outbox[0])
    # A sign-up's email is the plain verification: there is no other account to name.
    with commit():
        register(APIClient(), commit=None)
    assert Notification.objects.get(tenant=tenant, to_email="new@example.com").kind == "email_verification"


def test_email_change_hijack_moves_no_address_and_no_warranty(api, tenant, make_customer, commit):
    attacker = make_customer(tenant, "mallory@example.com")
    warranty = make_warranty(tenant, "victim@example.com")
    with commit():
        response = client_for(attacker, tenant).patch(f"{BASE}/me", {"email": "victim@example.com"}, format="json")
    assert response.status_code == 200 and mail.outbox[0].to == ["victim@example.com"]
    token = link_params(mail.outbox[0])["token"]
    # The victim clicks, signed out, then signed in to their own account: neither joins the address to Mallory's.
    assert_error(post(api, "verify-email", {"token": token}), 401, "authentication_failed")
    victims_own = make_customer(tenant, "victor@example.com")
    assert_error(post(client_for(victims_own, tenant), "verify-email", {"token": token}), 400, "validation_error")
    attacker.refresh_from_db()
    assert attacker.email == "mallory@example.com" and attacker.pending_email == "victim@example.com"
    warranty.refresh_from_db()
    assert warranty.owner is None
    assert Customer.objects.get(tenant=tenant, email="victim@example.com").account is None


def test_verify_with_code_needs_the_signed_in_account(api, tenant, commit):
    session = register(api, commit).json()["data"]
    code = code_of(mail.outbox[0])
    assert_error(post(api, "verify-email", {"code": code}), 401, "authentication_failed")
    response = post(bearer(session["access"]), "verify-email", {"code": code})
    assert response.status_code == 200 and response.json()["data"]["email_verified"] is True
    customer = Customer.objects.get(tenant=tenant, email="new@example.com")  # created, as none existed
    assert customer.account.public_id == session["user"]["id"] and customer.name == "Nora New"


def test_code_stops_working_after_five_misses(api, tenant, commit):
    session = register(api, commit).json()["data"]
    code = code_of(mail.outbox[0])
    client = bearer(session["access"])
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        error = assert_error(post(client, "verify-email", {"code": wrong}), 400, "validation_error")
        assert error["fields"]["code"][0]["code"] == "invalid_code"
    assert post(client, "verify-email", {"code": code}).status_code == 400
    assert User.objects.get(public_id=session["user"]["id"]).email_verified is False
    # A new code works again.
    assert post(client, "resend-verification", {}, commit).status_code == 202
    assert post(client, "verify-email", {"code": code_of(mail.outbox[-1])}).status_code == 200


def test_verification_token_is_bound_to_tenant_and_unforgeable(api, tenant, other_tenant, commit):
    session = register(api, commit).json()["data"]
    token = link_params(mail.outbox[0])["token"]
    other = APIClient().post("/api/southwind/auth/verify-email", {"token": token}, format="json")
    assert_error(other, 400, "validation_error")
    assert_error(post(api, "verify-email", {"token": token[:-2] + "xx"}), 400, "validation_error")
    assert_error(post(api, "verify-email", {}), 400, "validation_error")
    assert User.objects.get(email="new@example.com").email_verified is False
    signed_in = bearer(session["access"])
    assert post(signed_in, "verify-email", {"token": token}).status_code == 200
    assert post(signed_in, "verify-email", {"token": token}).status_code == 200  # opening the link twice is fine


def test_resend_verification(tenant, make_customer, commit):
    unverified = make_customer(tenant, "late@example.com", verified=False)
    response = post(client_for(unverified, tenant), "resend-verification", {}, commit)
    assert response.status_code == 202 and mail.outbox[0].to == ["late@example.com"]
    verified = make_customer(tenant)
    assert_error(post(client_for(verified, tenant), "resend-verification", {}, commit), 409, "email_already_verified")
    assert len(mail.outbox) == 1


# --- password reset ----------------------------------------------------------------------------------------------


def test_password_reset_timeout_is_one_hour():
    from django.conf import settings

    assert settings.PASSWORD_RESET_TIMEOUT == 3600


def test_forgot_password_is_byte_identical_for_known_and_unknown(api, tenant, make_customer, commit):
    make_customer(tenant, "ann@example.com")
    known = post(api, "forgot-password", {"email": "ann@example.com"}, commit)
    unknown = post(api, "forgot-password", {"email": "nobody@example.com"}, commit)
    assert known.status_code == unknown.status_code == 202
    assert known.content == unknown.content
    assert {k: v for k, v in known.items()} == {k: v for k, v in unknown.items()}
    assert [m.to for m in mail.outbox] == [["ann@example.com"]]


def test_reset_password_works_once_and_revokes_sessions(api, tenant, make_customer, commit):
    make_customer(tenant, "ann@example.com")
    session = _login(api)
    post(api, "forgot-password", {"email": "ann@example.com"}, commit)
    params = link_params(mail.outbox[0])
    assert params["path"] == "/northpeak/reset-password"
    body = {"uid": params["uid"], "token": params["token"], "new_password": NEW_PASSWORD}
    assert post(api, "reset-password", body).status_code == 200
    assert_error(post(api, "refresh", {"refresh": session["refresh"]}), 401, "authentication_failed")
    assert _login(api, password=NEW_PASSWORD)
    again = post(api, "reset-password", {**body, "new_password": "Third-Lantern-88"})
    assert assert_error(again, 400, "validation_error")["fields"]["token"][0]["code"] == "invalid_token"
    assert User.objects.get(email="ann@example.com").check_password(NEW_PASSWORD)


def test_reset_link_dies_with_a_password_change_and_with_time(api, tenant, make_customer, commit, settings):
    user = make_customer(tenant, "ann@example.com")
    post(api, "forgot-password", {"email": "ann@example.com"}, commit)
    params = link_params(mail.outbox[0])
    body = {"uid": params["uid"], "token": params["token"], "new_password": NEW_PASSWORD}
    settings.PASSWORD_RESET_TIMEOUT = -1  # the link is older than the timeout
    assert_error(post(api, "reset-password", body), 400, "validation_error")
    settings.PASSWORD_RESET_TIMEOUT = 3600
    response = post(client_for(user, tenant), "change-password", {"current_password": PASSWORD, "new_password": "Third-Lantern-88"})
    assert response.status_code == 200
    assert_error(post(api, "reset-password", body), 400, "validation_error")
    assert User.objects.get(pk=user.pk).check_password("Third-Lantern-88")


def test_reset_password_refusals(api, tenant, other_tenant, make_customer, commit):
    make_customer(tenant, "ann@example.com")
    post(api, "forgot-password", {"email": "ann@example.com"}, commit)
    params = link_params(mail.outbox[0])
    weak = post(api, "reset-password", {"uid": params["uid"], "token": params["token"], "new_password": "123"})
    assert "new_password" in assert_error(weak, 400, "validation_error")["fields"]
    foreign = APIClient().post(
        "/api/southwind/auth/reset-password",
        {"uid": params["uid"], "token": params["token"], "new_password": NEW_PASSWORD}, format="json",
    )
    assert_error(foreign, 400, "validation_error")
    assert User.objects.get(email="ann@example.com").check_password(PASSWORD)


def test_reset_clears_the_login_delay(api, tenant, make_customer, commit, settings):
    settings.AFTERSALE_LOGIN_BACKOFF = {"free_failures": 5, "base_seconds": 600, "max_seconds": 900}
    make_customer(tenant, "ann@example.com")
    for _ in range(5):
        post(api, "login", {"email": "ann@example.com", "password": "wrong"})
    assert post(api, "login", {"email": "ann@example.com", "password": PASSWORD}).status_code == 429
    post(api, "forgot-password", {"email": "ann@example.com"}, commit)
    params = link_params(mail.outbox[0])
    post(api, "reset-password", {"uid": params["uid"], "token": params["token"], "new_password": NEW_PASSWORD})
    assert _login(api, password=NEW_PASSWORD)


# --- me and change-password -----------------------------------------------------------------------------------------


def test_me_for_customer_and_staff(tenant, make_customer, make_staff):
    customer = make_customer(tenant, "ann@example.com")
    data = client_for(customer, tenant).get(f"{BASE}/me").json()["data"]
    assert data["id"] == customer.public_id and data["role"] == "customer" and data["warranty_count"] == 0
    assert data["pending_email"] is None and data["tenant"] == "northpeak"
    agent = make_staff(tenant, Role.AGENT, email="crew@example.com")
    data = client_for(agent, tenant).get(f"{BASE}/me").json()["data"]
    assert data["role"] == "agent" and data["email"] == "crew@example.com"


def test_me_patch_contact_details_also_updates_the_customer_record(tenant, make_customer):
    user = make_customer(tenant, "ann@example.com")
    Customer.objects.create(tenant=tenant, email="ann@example.com", account=user)
    body = {"name": "Ann Other", "phone": "+1-555-0199", "address": {"street": "1 Elm St", "city": "Miami"}}
    response = client_for(user, tenant).patch(f"{BASE}/me", body, format="json")
    assert response.status_code == 200
    assert {k: response.json()["data"][k] for k in body} == body
    customer = Customer.objects.get(account=user)
    assert (customer.name, customer.phone, customer.address["street"]) == ("Ann Other", "+1-555-0199", "1 Elm St")


@pytest.mark.parametrize("body", [{"role": "admin"}, {"email_verified": True, "name": "X"}, {"tenant": "southwind"}])
def test_me_patch_refuses_other_fields_and_changes_nothing(tenant, make_customer, body):
    user = make_customer(tenant, "ann@example.com")
    response = client_for(user, tenant).patch(f"{BASE}/me", body, format="json")
    error = assert_error(response, 400, "validation_error")
    for field in set(body) - {"name"}:
        assert error["fields"][field][0]["code"] == "not_allowed"
    user.refresh_from_db()
    assert user.full_name == "Test Customer" and user.tenant == tenant


@pytest.mark.parametrize("field", ["name", "phone", "address", "email"])
def test_me_patch_null_is_a_field_error_not_a_server_fault(tenant, make_customer, field):
    user = make_customer(tenant, "ann@example.com")
    response = client_for(user, tenant).patch(f"{BASE}/me", {field: None}, format="json")
    error = assert_error(response, 400, "validation_error")
    assert error["fields"][field][0]["code"] == "invalid"
    user.refresh_from_db()
    assert (user.full_name, user.email, user.pending_email) == ("Test Customer", "ann@example.com", "")


def test_me_patch_refuses_nul_in_nested_address(tenant, make_customer):
    user = make_customer(tenant, "ann@example.com")
    response = client_for(user, tenant).patch(f"{BASE}/me", {"address": {"street": "1 Elm\u0000St"}}, format="json")
    assert assert_error(response, 400, "validation_error")["fields"]["address.street"][0]["code"] == "invalid_character"
    user.refresh_from_db()
    assert user.address != {"street": "1 Elm\u0000St"}


def test_email_change_waits_for_verification_of_the_new_address(api, tenant, make_customer, commit):
    user = make_customer(tenant, "ann@example.com")
    make_warranty(tenant, "ann.new@example.com")
    client = client_for(user, tenant)
    with commit():
        response = client.patch(f"{BASE}/me", {"email": "Ann.New@example.com"}, format="json")
    data = response.json()["data"]
    assert data["email"] == "ann@example.com" and data["pending_email"] == "ann.new@example.com"
    assert mail.outbox[0].to == ["ann.new@example.com"]
    assert _login(api, "ann@example.com")  # the old email still signs in
    assert post(client, "verify-email", {"token": link_params(mail.outbox[0])["token"]}).status_code == 200
    data = client.get(f"{BASE}/me").json()["data"]
    assert data["email"] == "ann.new@example.com" and data["pending_email"] is None and data["warranty_count"] == 1
    assert _login(api, "ann.new@example.com")
    assert_error(post(api, "login", {"email": "ann@example.com", "password": PASSWORD}), 401, "authentication_failed")


def test_email_change_to_a_taken_address_fails_only_at_verification(api, tenant, make_customer, commit):
    user = make_customer(tenant, "ann@example.com")
    make_customer(tenant, "bob@example.com")
    with commit():
        response = client_for(user, tenant).patch(f"{BASE}/me", {"email": "bob@example.com"}, format="json")
    assert response.status_code == 200  # no hint that bob has an account
    token = link_params(mail.outbox[0])["token"]
    assert_error(post(client_for(user, tenant), "verify-email", {"token": token}), 409, "email_already_registered")
    user.refresh_from_db()
    assert user.email == "ann@example.com"


def test_change_password(api, tenant, make_customer):
    make_customer(tenant, "ann@example.com")
    session = _login(api)
    client = bearer(session["access"])
    wrong = post(client, "change-password", {"current_password": "nope", "new_password": NEW_PASSWORD})
    assert assert_error(wrong, 400, "validation_error")["fields"]["current_password"][0]["code"] == "incorrect"
    weak = post(client, "change-password", {"current_password": PASSWORD, "new_password": "ann@example.com"})
    assert "new_password" in assert_error(weak, 400, "validation_error")["fields"]
    response = post(client, "change-password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert response.status_code == 200
    pair = response.json()["data"]
    assert_error(post(api, "refresh", {"refresh": session["refresh"]}), 401, "authentication_failed")
    assert post(api, "refresh", {"refresh": pair["refresh"]}).status_code == 200
    assert _login(api, password=NEW_PASSWORD)
    assert BlacklistedToken.objects.count() >= 2


def test_unknown_or_invalid_bodies(api, tenant):
    assert_error(api.generic("POST", f"{BASE}/login", "{", content_type="application/json"), 400, "invalid_json")
    assert_error(post(api, "login", {}), 400, "validation_error")
    assert Notification.objects.count() == 0


def test_seed_demo_creates_a_verified_customer_once(api, db):
    from django.core.management import call_command

    call_command("seed_demo")
    call_command("seed_demo")
    user = User.objects.get(email="customer@ridgeline.example")
    assert user.email_verified and user.tenant.slug == "ridgeline"
    response = api.post("/api/ridgeline/auth/login", {"email": "customer@ridgeline.example", "password": "Marmot-camp-42"}, format="json")
    assert response.status_code == 200 and response.json()["data"]["user"]["role"] == "customer"
