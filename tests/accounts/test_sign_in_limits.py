"""One email, one account, one set of limits: every spelling of an address and every way into an account
(the API's sign-in and change-password, Wagtail's admin sign-in and reset) share one lockout and one budget."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import authenticate
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import PASSWORD, client_for
from tests.core.test_api_frame import assert_error
from warranty_api.core.emails import normalize_email
from warranty_api.models import Customer, Membership, Role, User

LONG_S = "\u017f"  # the long s: PostgreSQL's UPPER() folds it to S, Python's lower() keeps it
KELVIN = "\u212a"  # the Kelvin sign
LOOK_ALIKES = [
    f"cu{LONG_S}t.b@example.com",
    f"CU{LONG_S}T.B@EXAMPLE.COM",
    "\uff43\uff55\uff53\uff54.b@example.com",  # fullwidth letters
    " Cust.B@Example.com ",
]


def login(client, email, password=PASSWORD, slug="northpeak", **extra):
    return client.post(f"/api/{slug}/auth/login", {"email": email, "password": password}, format="json", **extra)


def admin_login(client, username, password=PASSWORD, **extra):
    return client.post("/admin/login/", {"username": username, "password": password}, **extra)


def signed_in_to_admin(client) -> bool:
    return "_auth_user_id" in client.session


def _rates(settings, **rates):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates},
    }


# --- one normal form of an email -----------------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", LOOK_ALIKES)
def test_every_look_alike_spelling_has_the_one_normal_form(spelling):
    assert normalize_email(spelling) == "cust.b@example.com"
    assert normalize_email(normalize_email(spelling)) == normalize_email(spelling)


def test_the_kelvin_sign_is_a_k():
    assert normalize_email(f"{KELVIN}im@example.com") == "kim@example.com"


@pytest.mark.parametrize("spelling", LOOK_ALIKES)
def test_a_look_alike_spelling_signs_in_to_the_same_account(api, tenant, make_customer, spelling):
    make_customer(tenant, "cust.b@example.com")
    response = login(api, spelling)
    assert response.status_code == 200, response.content
    assert response.json()["data"]["user"]["email"] == "cust.b@example.com"


def test_failures_of_every_spelling_count_toward_one_lockout(api, tenant, make_customer, lockout):
    make_customer(tenant, "cust.b@example.com")
    for spelling in [*LOOK_ALIKES, "cust.b@example.com"][:5]:
        assert login(api, spelling, "wrong").status_code == 401
    for spelling in ["cust.b@example.com", *LOOK_ALIKES]:
        response = login(api, spelling)
        assert_error(response, 429, "rate_limited")
        assert int(response["Retry-After"]) >= 1


def test_a_locked_account_stays_locked_under_a_look_alike_spelling(api, tenant, make_customer, lockout):
    make_customer(tenant, "cust.b@example.com")
    for _ in range(5):
        login(api, "cust.b@example.com", "wrong")
    assert_error(login(api, f"cu{LONG_S}t.b@example.com"), 429, "rate_limited")


def test_the_per_account_budget_counts_every_spelling_as_one(api, tenant, settings):
    _rates(settings, auth_account="2/minute")
    for i, spelling in enumerate(LOOK_ALIKES[:2]):
        assert login(api, spelling, "wrong", REMOTE_ADDR=f"10.0.0.{i + 1}").status_code == 401
    assert_error(login(api, "cust.b@example.com", "wrong", REMOTE_ADDR="10.0.0.9"), 429, "rate_limited")


def test_sign_up_with_a_look_alike_of_a_taken_email_is_the_taken_email(api, tenant, make_customer):
    make_customer(tenant, "cust.b@example.com")
    body = {"email": f"cu{LONG_S}t.b@example.com", "password": PASSWORD, "name": "Mallory"}
    assert_error(api.post("/api/northpeak/auth/register", body, format="json"), 409, "email_already_registered")
    assert User.objects.filter(tenant=tenant).count() == 1


def test_sign_up_stores_the_normal_form(api, tenant):
    body = {"email": f"{LONG_S}am@Example.com", "password": PASSWORD, "name": "Sam"}
    response = api.post("/api/northpeak/auth/register", body, format="json")
    assert response.status_code == 201, response.content
    user = User.objects.get(tenant=tenant)
    assert (user.email, user.username) == ("sam@example.com", f"{tenant.id}:sam@example.com")


@pytest.mark.parametrize("email", ["\u0131van@example.com", "\u0130van@example.com"])
def test_a_dotless_or_dotted_i_in_the_local_part_is_refused(api, tenant, email):
    body = {"email": email, "password": PASSWORD, "name": "Ivan"}
    error = assert_error(api.post("/api/northpeak/auth/register", body, format="json"), 400, "validation_error")
    assert error["fields"]["email"][0]["code"] == "invalid"
    assert not User.objects.filter(tenant=tenant).exists()


def test_an_account_saved_by_any_path_stores_the_normal_form(tenant):
    staff = User.objects.create_user(username="ops", email=f"Op{LONG_S}@Example.COM", password=PASSWORD)
    assert User.objects.get(pk=staff.pk).email == "ops@example.com"


# --- stored rows brought to the normal form (migration 0016) ------------------------------------------------------------


def _raw(user_or_customer, **fields):
    type(user_or_customer).objects.filter(pk=user_or_customer.pk).update(**fields)


def test_the_migration_normalises_stored_emails_and_one_of_each_collision_keeps_it(tenant, make_customer, make_staff):
    from django.utils import timezone

    migration = importlib.import_module("warranty_api.migrations.0016_email_normal_form")
    kept = make_customer(tenant, "cust.b@example.com")
    duplicate = make_customer(tenant, "dup@example.com")
    _raw(duplicate, email=f"cu{LONG_S}t.b@example.com", username=f"{tenant.id}:cu{LONG_S}t.b@example.com")
    lone = make_customer(tenant, "lone@example.com")
    _raw(lone, email="\uff54\uff41\uff52\uff4f@example.com", username=f"{tenant.id}:\uff54\uff41\uff52\uff4f@example.com")
    older, verified = make_customer(tenant, "a@example.com", verified=False), make_customer(tenant, "b@example.com")
    _raw(older, email=f"{LONG_S}am@example.com", username=f"{tenant.id}:older")
    _raw(verified, email="Sam@example.com", username=f"{tenant.id}:Sam@example.com", email_verified_at=timezone.now())
    staff = make_staff(tenant, Role.ADMIN)
    _raw(staff, email="Ops@Example.COM", username="Ops@Example.COM", pending_email=f"New{LONG_S}@example.com")
    record = Customer.objects.create(tenant=tenant, email="x@example.com", name="Kept")
    look_alike_record = Customer.objects.create(tenant=tenant, email="y@example.com", name="Look-alike")
    Customer.objects.filter(pk=record.pk).update(email=f"Cu{LONG_S}t.c@example.com")
    Customer.objects.filter(pk=look_alike_record.pk).update(email="cust.c@example.com")

    migration.normalise_stored_emails(django_apps, None)

    def reload(row):
        return type(row).objects.get(pk=row.pk)

    assert (reload(kept).email, reload(kept).is_active) == ("cust.b@example.com", True)
    assert (reload(duplicate).email, reload(duplicate).is_active) == (f"cu{LONG_S}t.b@example.com", False)
    assert (reload(lone).email, reload(lone).username) == ("taro@example.com", f"{tenant.id}:taro@example.com")
    assert (reload(verified).email, reload(verified).username) == ("sam@example.com", f"{tenant.id}:sam@example.com")
    assert (reload(older).email, reload(older).is_active) == (f"{LONG_S}am@example.com", False)
    assert (reload(staff).email, reload(staff).username, reload(staff).pending_email) == (
        "ops@example.com", "ops@example.com", "news@example.com",
    )
    assert reload(look_alike_record).email == "cust.c@example.com"  # already in the normal form: it keeps it
    assert reload(record).email == f"Cu{LONG_S}t.c@example.com"


# --- every way into a staff account -----------------------------------------------------------------------------------


def test_wagtail_admin_sign_in_works_for_staff(tenant, make_staff):
    make_staff(tenant, Role.ADMIN, email="lead2@northpeak.example")
    client = Client()
    response = admin_login(client, "Lead2@Northpeak.example")
    assert response.status_code == 302 and signed_in_to_admin(client)


def test_wagtail_admin_sign_in_locks_like_the_api(tenant, make_staff, lockout):
    make_staff(tenant, Role.ADMIN, email="lead2@northpeak.example")
    client = Client()
    for _ in range(5):
        assert admin_login(client, "lead2@northpeak.example", "wrong").status_code == 200
    response = admin_login(client, "lead2@northpeak.example")
    assert response.status_code == 200 and not signed_in_to_admin(client)
    assert b"Too many attempts" in response.content
    # The same lockout holds at the API, at every brand the account serves.
    assert_error(login(APIClient(), "lead2@northpeak.example"), 429, "rate_limited")


def test_api_failures_lock_wagtail_admin_sign_in(tenant, make_staff, lockout):
    make_staff(tenant, Role.ADMIN, email="lead2@northpeak.example")
    for _ in range(5):
        login(APIClient(), "lead2@northpeak.example", "wrong")
    client = Client()
    response = admin_login(client, "lead2@northpeak.example")
    assert not signed_in_to_admin(client) and b"Too many attempts" in response.content


def test_a_staff_lockout_holds_at_every_brand(api, tenant, other_tenant, make_staff, lockout):
    staff = make_staff(tenant, Role.AGENT, email="crew@example.com")
    Membership.objects.create(user=staff, tenant=other_tenant, role=Role.AGENT)
    for _ in range(5):
        login(api, "crew@example.com", "wrong", slug="northpeak")
    assert_error(login(api, "crew@example.com", slug="southwind"), 429, "rate_limited")


def test_wagtail_admin_sign_in_spends_the_api_sign_in_budget_per_address(tenant, make_staff, settings):
    _rates(settings, auth_ip="3/minute")
    make_staff(tenant, Role.ADMIN, email="lead2@northpeak.example")
    for _ in range(3):
        admin_login(APIClient(), "someone@example.com", "wrong")
    client = Client()
    response = admin_login(client, "lead2@northpeak.example")
    assert not signed_in_to_admin(client) and b"Too many attempts" in response.content
    assert_error(login(APIClient(), "lead2@northpeak.example"), 429, "rate_limited")
    other = Client(REMOTE_ADDR="10.9.8.7")
    assert admin_login(other, "lead2@northpeak.example").status_code == 302 and signed_in_to_admin(other)


def test_a_customer_cannot_sign_in_through_django(tenant, make_customer):
    customer = make_customer(tenant, "ann@example.com")
    assert authenticate(username="ann@example.com", password=PASSWORD) is None
    assert authenticate(username=customer.username, password=PASSWORD) is None


def test_change_password_counts_toward_the_lockout(tenant, make_customer, lockout):
    user = make_customer(tenant, "ann@example.com")
    client = client_for(user, tenant)
    body = {"current_password": "wrong", "new_password": "Another-Lantern-77"}
    for _ in range(5):
        response = client.post("/api/northpeak/auth/change-password", body, format="json")
        assert_error(response, 400, "validation_error")
    response = client.post(
        "/api/northpeak/auth/change-password", {**body, "current_password": PASSWORD}, format="json"
    )
    assert_error(response, 429, "rate_limited")
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)


def test_wagtail_password_reset_mails_staff_only_by_the_normal_form(tenant, make_staff, make_customer):
    make_staff(tenant, Role.ADMIN, email="lead2@northpeak.example")
    make_customer(tenant, "ann@example.com")
    for email in ("ann@example.com", "LEAD2@NORTHPEAK.EXAMPLE"):
        assert Client().post("/admin/password_reset/", {"email": email}).status_code == 302
    assert [m.to for m in mail.outbox] == [["lead2@northpeak.example"]]


def test_wagtail_password_reset_spends_the_forgot_password_budget(tenant, make_staff, settings):
    _rates(settings, auth_account="1/minute")
    make_staff(tenant, Role.ADMIN, email="lead2@northpeak.example")
    for ip in ("10.0.0.1", "10.0.0.2"):
        Client(REMOTE_ADDR=ip).post("/admin/password_reset/", {"email": "lead2@northpeak.example"})
    assert len(mail.outbox) == 1
    response = APIClient().post(
        "/api/northpeak/auth/forgot-password", {"email": "lead2@northpeak.example"}, format="json", REMOTE_ADDR="10.0.0.3"
    )
    assert_error(response, 429, "rate_limited")
