"""Shopify purchase verification against a fake Admin API served over real HTTP on 127.0.0.1."""

from __future__ import annotations

import datetime
import itertools

import pytest
import shopify
from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone

from tests.support.fake_shopify import TOKEN, order
from warranty_api import tasks
from warranty_api.models import Customer, Product, PurchaseVerification, ShopifyConnection, Warranty, WarrantyEvent
from warranty_api.verification.services import purchase_verification_enqueue, purchase_verify, shopify_connection_save

SKU = "TP9-ELITE-SC"
EMAIL = "owner@example.com"
PURCHASED = datetime.date(2025, 3, 1)
_serials = itertools.count(10_000_000)


@pytest.fixture
def connected(tenant, fake):
    """The tenant requires verification and is linked to the fake store."""
    tenant.verification = "required"
    tenant.save(update_fields=["verification"])
    shopify_connection_save(
        tenant=tenant, shop_domain="northpeak.myshopify.com", access_token=TOKEN, api_base_url=fake.base_url
    )
    return tenant


def make_warranty(tenant, *, email=EMAIL, purchase_date=PURCHASED, order_number="", status=None, verification="pending"):
    product = Product.objects.get(tenant=tenant, sku=SKU)
    customer, _ = Customer.objects.get_or_create(tenant=tenant, email=email, defaults={"name": "Ann Owner"})
    if status is None:
        status = "pending_verification" if tenant.verification == "required" else "active"
    return Warranty.objects.create(
        tenant=tenant,
        serial_number=f"SN-CA-{next(_serials):08d}",
        product=product,
        customer=customer,
        purchase_date=purchase_date,
        order_number=order_number,
        warranty_start=purchase_date,
        warranty_end=purchase_date + datetime.timedelta(days=730),
        coverage=product.category.coverage,
        status=status,
        verification=verification,
    )


def register(tenant, **kwargs) -> Warranty:
    """What the registration service does: create the warranty, hand it to verification on commit."""
    with transaction.atomic():
        warranty = make_warranty(tenant, **kwargs)
        transaction.on_commit(lambda: purchase_verification_enqueue(warranty))
    return warranty


@pytest.fixture
def registered(django_capture_on_commit_callbacks):
    """register() with on-commit callbacks run (tasks run inline: test settings use a sync cluster)."""

    def run(tenant, **kwargs) -> Warranty:
        with django_capture_on_commit_callbacks(execute=True):
            warranty = register(tenant, **kwargs)
        warranty.refresh_from_db()
        return warranty

    return run


def make_due(warranty) -> None:
    """Move the retry time into the past rather than waiting for it."""
    PurchaseVerification.objects.filter(pk=warranty.pk).update(next_attempt_at=timezone.now() - datetime.timedelta(1))


def run_sweep(django_capture_on_commit_callbacks) -> int:
    with django_capture_on_commit_callbacks(execute=True):
        return tasks.purchase_verifications_sweep()


# ------------------------------------------------------------------------------------------- outcomes


def test_match_verifies_and_releases_a_required_warranty(connected, fake, registered):
    fake.orders = [order("#1001", EMAIL, "2025-02-27", "OTHER-1", SKU, number=1001)]
    warranty = registered(connected)
    assert warranty.verification == "verified"
    assert warranty.status == "active"
    assert warranty.verification_detail["order_id"] == "gid://shopify/Order/1001"
    assert warranty.verification_detail["order_name"] == "#1001"
    assert warranty.verification_detail["days_from_purchase"] == 2
    event = WarrantyEvent.objects.get(warranty=warranty)
    assert event.action == "verification_checked"
    assert event.before == {"verification": "pending", "status": "pending_verification"}
    assert event.after == {"verification": "verified", "status": "active"}
    assert fake.requests[0]["path"] == "/admin/api/2025-07/graphql.json"
    assert fake.requests[0]["payload"]["variables"]["query"] == f'email:"{EMAIL}"'
    assert PurchaseVerification.objects.get(pk=warranty.pk).status == "done"


def test_advisory_keeps_the_warranty_active_and_flags_it(connected, fake, registered):
    connected.verification = "advisory"
    connected.save(update_fields=["verification"])
    warranty = registered(connected)
    assert (warranty.status, warranty.verification) == ("active", "not_found")
    fake.orders = [order("#1001", EMAIL, "2025-03-01", SKU)]
    warranty = registered(connected, email=EMAIL)
    assert (warranty.status, warranty.verification) == ("active", "verified")


def test_no_order_is_not_found_and_the_warranty_stays_pending(connected, fake, registered):
    fake.orders = [order("#1001", EMAIL, "2025-03-01", "SOMETHING-ELSE"), order("#1002", "x@example.com", "2025-03-01", SKU)]
    warranty = registered(connected)
    assert (warranty.status, warranty.verification) == ("pending_verification", "not_found")
    assert warranty.verification_detail["searched"] == ["email"]


def test_order_number_with_matching_email_sku_and_date_verifies(connected, fake, registered):
    fake.orders = [order("#1001", EMAIL, "2025-03-03", SKU, number=7)]
    warranty = registered(connected, order_number="1001")
    assert warranty.verification == "verified" and warranty.verification_detail["order_name"] == "#1001"
    assert fake.requests[0]["payload"]["variables"]["query"] == 'name:"1001"'


@pytest.mark.parametrize(
    ("orders", "order_number", "differs"),
    [
        ([order("#1001", EMAIL, "2024-06-01", SKU)], "", ["purchase_date"]),
        ([order("#1001", "someone@example.com", "2025-03-01", SKU)], "#1001", ["email"]),
        ([order("#1001", EMAIL, "2025-03-01", "OTHER-SKU")], "#1001", ["sku"]),
        ([order("#1001", "someone@example.com", "2024-01-01", "OTHER-SKU")], "#1001", ["email", "sku", "purchase_date"]),
        ([order("#1002", EMAIL, "2025-03-01", SKU)], "#1001", ["order_number"]),
    ],
    ids=["far-date", "other-email", "other-sku", "all-three", "unknown-order-number"],
)
def test_mismatch_says_which_detail_differs(connected, fake, registered, orders, order_number, differs):
    fake.orders = orders
    warranty = registered(connected, order_number=order_number)
    assert (warranty.status, warranty.verification) == ("pending_verification", "mismatch")
    assert warranty.verification_detail["differs"] == differs


# ------------------------------------------------------------------------------------------- failures


def test_throttled_check_honours_retry_after(connected, fake, registered, django_capture_on_commit_callbacks):
    fake.orders = [order("#1001", EMAIL, "2025-03-01", SKU)]
    fake.script.append(("status", 429, {"Retry-After": "120"}))
    before = timezone.now()
    warranty = registered(connected)
    assert warranty.verification == "error" and warranty.status == "pending_verification"
    assert warranty.verification_detail["error"]["code"] == "shopify_throttled"
    row = PurchaseVerification.objects.get(pk=warranty.pk)
    assert row.status == "queued" and row.attempts == 1
    assert row.next_attempt_at >= before + datetime.timedelta(seconds=119)
    # Not before Retry-After: the sweep leaves it, and a redelivered task does not take it.
    assert run_sweep(django_capture_on_commit_callbacks) == 0
    assert purchase_verify(warranty.pk) == "skipped"
    assert len(fake.requests) == 1
    make_due(warranty)
    assert run_sweep(django_capture_on_commit_callbacks) == 1
    warranty.refresh_from_db()
    assert (warranty.verification, warranty.status) == ("verified", "active")


def test_server_error_is_retried_with_back_off(connected, fake, registered, django_capture_on_commit_callbacks):
    fake.orders = [order("#1001", EMAIL, "2025-03-01", SKU)]
    fake.script.append(("status", 500))
    warranty = registered(connected)
    assert warranty.verification == "error"
    assert warranty.verification_detail["error"]["code"] == "shopify_unavailable"
    assert warranty.verification_detail["retrying"] is True
    row = PurchaseVerification.objects.get(pk=warranty.pk)
    assert row.next_attempt_at > timezone.now() and "HTTP 500" in row.last_error
    make_due(warranty)
    run_sweep(django_capture_on_commit_callbacks)
    warranty.refresh_from_db()
    assert warranty.verification == "verified"
    assert PurchaseVerification.objects.get(pk=warranty.pk).attempts == 2


def test_a_store_that_does_not_answer_times_out(connected, fake, registered, settings):
    settings.AFTERSALE_SHOPIFY_TIMEOUT = 0.3
    fake.script.append(("hang", 1.2))
    warranty = registered(connected)
    assert warranty.verification == "error"
    assert warranty.verification_detail["error"]["code"] == "shopify_timeout"


def test_a_store_that_trickles_its_answer_times_out_as_a_whole(connected, fake, registered):
    fake.orders = [order("#1001", EMAIL, "2025-03-01", SKU)]
    fake.script.append(("trickle", 0.05))  # each byte well within the timeout, the answer far beyond it
    warranty = registered(connected)
    assert warranty.verification == "error"
    assert warranty.verification_detail["error"]["code"] == "shopify_timeout"


@pytest.mark.django_db(transaction=True)
def test_outage_leaves_the_warranty_registered_and_a_later_sweep_completes_it(make_tenant, fake):
    tenant = make_tenant("northpeak", registration={"required_fields": [], "extension_window_days": 30, "require_known_serial": False, "verification": "required"})
    shopify_connection_save(
        tenant=tenant, shop_domain="northpeak.myshopify.com", access_token=TOKEN, api_base_url=fake.base_url
    )
    fake.orders = [order("#1001", EMAIL, "2025-03-01", SKU)]
    fake.down = True
    warranty = register(tenant)  # commits; the task runs inline on commit and meets the outage
    warranty.refresh_from_db()
    assert (warranty.status, warranty.verification) == ("pending_verification", "error")
    fake.down = False
    make_due(warranty)
    assert tasks.purchase_verifications_sweep() == 1
    warranty.refresh_from_db()
    assert (warranty.status, warranty.verification) == ("active", "verified")
    actions = list(WarrantyEvent.objects.filter(warranty=warranty).values_list("after", flat=True))
    assert actions == [
        {"verification": "error", "status": "pending_verification"},
        {"verification": "verified", "status": "active"},
    ]


def test_attempts_are_bounded_in_the_row(connected, fake, registered, settings, django_capture_on_commit_callbacks):
    settings.AFTERSALE_SHOPIFY_MAX_ATTEMPTS = 2
    fake.down = True
    warranty = registered(connected)
    make_due(warranty)
    run_sweep(django_capture_on_commit_callbacks)
    row = PurchaseVerification.objects.get(pk=warranty.pk)
    assert (row.status, row.attempts) == ("failed", 2)
    warranty.refresh_from_db()
    assert warranty.verification == "error" and warranty.verification_detail["retrying"] is False
    make_due(warranty)
    assert run_sweep(django_capture_on_commit_callbacks) == 0
    assert len(fake.requests) == 2


def test_a_check_whose_worker_died_is_run_again(connected, fake, django_capture_on_commit_callbacks):
    fake.orders = [order("#1001", EMAIL, "2025-03-01", SKU)]
    warranty = make_warranty(connected)
    past = timezone.now() - datetime.timedelta(minutes=5)
    # As a worker leaves it when killed mid-check: claimed (one attempt used), lease run out.
    PurchaseVerification.objects.create(
        warranty=warranty, tenant=connected, status="running", attempts=1, lease_until=past, next_attempt_at=past
    )
    assert run_sweep(django_capture_on_commit_callbacks) == 1
    warranty.refresh_from_db()
    assert warranty.verification == "verified"
    assert PurchaseVerification.objects.get(pk=warranty.pk).attempts == 2


def test_a_worker_dying_on_the_last_attempt_ends_in_error(connected, fake, django_capture_on_commit_callbacks):
    warranty = make_warranty(connected)
    past = timezone.now() - datetime.timedelta(minutes=5)
    PurchaseVerification.objects.create(
        warranty=warranty, tenant=connected, status="running", attempts=8, max_attempts=8, lease_until=past
    )
    assert run_sweep(django_capture_on_commit_callbacks) == 0
    assert PurchaseVerification.objects.get(pk=warranty.pk).status == "failed"
    warranty.refresh_from_db()
    assert warranty.verification == "error" and warranty.verification_detail["error"]["code"] == "worker_lost"
    assert fake.requests == []


def test_running_the_task_twice_asks_the_store_once(connected, fake, registered):
    fake.orders = [order("#1001", EMAIL, "2025-03-01", SKU)]
    warranty = registered(connected)
    assert purchase_verify(warranty.pk) == "skipped"
    assert len(fake.requests) == 1
    assert WarrantyEvent.objects.filter(warranty=warranty).count() == 1


def test_sweep_adopts_a_pending_warranty_whose_enqueue_was_lost(connected, fake, django_capture_on_commit_callbacks):
    fake.orders = [order("#1001", EMAIL, "2025-03-01", SKU)]
    warranty = make_warranty(connected)
    Warranty.objects.filter(pk=warranty.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=10))
    assert run_sweep(django_capture_on_commit_callbacks) == 1
    warranty.refresh_from_db()
    assert warranty.verification == "verified"


def test_no_store_linked_is_an_error_retried_later(tenant, registered):
    tenant.verification = "required"
    tenant.save(update_fields=["verification"])
    warranty = registered(tenant)
    assert warranty.verification == "error"
    assert warranty.verification_detail["error"]["code"] == "shopify_not_connected"
    assert PurchaseVerification.objects.get(pk=warranty.pk).status == "queued"


def test_verification_off_queues_nothing(tenant, registered, fake):
    warranty = registered(tenant, verification="off")
    assert warranty.verification == "off"
    assert not PurchaseVerification.objects.exists()


def test_redirects_are_not_followed_and_the_session_is_cleared(connected, fake, registered):
    fake.script.append(("redirect", fake.base_url + "/collect-token"))
    warranty = registered(connected)
    assert warranty.verification == "error"
    assert warranty.verification_detail["error"]["code"] == "shopify_bad_config"
    assert [r["path"] for r in fake.requests] == ["/admin/api/2025-07/graphql.json"]
    assert shopify.ShopifyResource.get_site() is None
    assert "X-Shopify-Access-Token" not in shopify.ShopifyResource.get_headers()


def test_a_base_url_override_is_refused_where_settings_do_not_allow_it(connected, fake, registered, settings):
    settings.AFTERSALE_OUTBOUND_HTTP_ALLOW_HOSTS = []
    warranty = registered(connected)
    assert warranty.verification_detail["error"]["code"] == "shopify_bad_config"
    assert PurchaseVerification.objects.get(pk=warranty.pk).status == "failed"  # not retried: config, not luck
    assert fake.requests == []


def test_the_token_is_encrypted_at_rest_with_the_configured_key(connected, fake, registered, settings):
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT access_token_encrypted FROM warranty_api_shopifyconnection")
        (stored,) = cursor.fetchone()
    assert TOKEN not in stored and stored
    assert ShopifyConnection.objects.get(tenant=connected).access_token() == TOKEN
    settings.FIELD_ENCRYPTION_KEY = "8fF7Qm1v2nN3o4P5q6R7s8T9u0V1w2X3y4Z5a6B7c8A="
    warranty = registered(connected)
    assert warranty.verification_detail["error"]["code"] == "shopify_bad_config"
    assert fake.requests == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_one_check_get_it_once(tenant):
    if db_connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (concurrent conditional UPDATEs on one row)")
    import threading

    from django.db import connections

    from warranty_api.verification.services import OUTBOX

    warranty = make_warranty(tenant)
    PurchaseVerification.objects.create(warranty=warranty, tenant=tenant, next_attempt_at=timezone.now())
    barrier = threading.Barrier(4)
    results = []

    def worker():
        try:
            barrier.wait()
            results.append(OUTBOX.claim(warranty.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, False, False, True]
    assert PurchaseVerification.objects.get(pk=warranty.pk).attempts == 1
