"""The registration's plain lane answers exactly as DRF's request cycle does, request by request."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from tests.warranties.test_warranty_registration import body as registration_body
from warranty_api.warranties import views as views

URL = "/api/p/northpeak/warranties"


def _body(**changes) -> dict:
    return registration_body(**{"serial_number": "SN-CA-00700001", **changes})


def _stable(response) -> tuple:
    """What a client sees, without what differs on every registration (ids, timestamps)."""
    content = json.loads(response.content) if response.content else None
    if content and "data" in content:
        content["data"].pop("id")
        content["data"].pop("registered_at")
    headers = dict(response.items())  # every header: Content-Type, Allow, Retry-After, Vary, Content-Length...
    if content and "data" in content:
        headers.pop("Content-Length", None)  # the ids and the timestamp are of different lengths per registration
    return response.status_code, headers, content


def _answer(api, monkeypatch, lane: bool, raw: bytes, content_type: str, headers: dict,
            url: str = URL) -> tuple[tuple, bool]:
    """The answer of one lane, its writes rolled back; and whether the plain lane answered it."""
    taken = []
    original = views._plain_registration

    def recording(view, request):
        answered = original(view, request)
        taken.append(answered is not None)
        return answered

    monkeypatch.setattr(views, "PLAIN_LANE", lane)
    monkeypatch.setattr(views, "_plain_registration", recording)
    savepoint = transaction.savepoint()
    try:
        response = api.generic("POST", url, raw, content_type=content_type, **headers)
    finally:
        transaction.savepoint_rollback(savepoint)
        cache.clear()  # the throttle's history
    return _stable(response), taken == [True]


_FUTURE = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
_CASES = {
    # name: (body bytes, content type, extra headers, answered by the plain lane?)
    "the brief's request": (json.dumps(_body()).encode(), "application/json", {}, True),
    "charset and Accept json": (json.dumps(_body()).encode(), "application/json; charset=utf-8",
                                {"HTTP_ACCEPT": "application/json"}, True),
    "already registered": (json.dumps(_body(serial_number="sn-ca-00700099 ")).encode(), "application/json", {}, True),
    "unknown format": (json.dumps(_body(serial_number="XX-1")).encode(), "application/json", {}, True),
    "unknown product": (json.dumps(_body(serial_number="SN-ZZ-00700001")).encode(), "application/json", {}, True),
    "future purchase": (json.dumps(_body(purchase_date=_FUTURE)).encode(), "application/json", {}, True),
    "before manufacture": (json.dumps(_body(serial_number="SN-CA-20250115", purchase_date="2024-12-01")).encode(),
                           "application/json", {}, True),
    "required phone missing": (json.dumps(_body(customer={"email": "a@example.com", "name": "A",
                                                           "address": {"city": "Miami"}})).encode(),
                               "application/json", {}, True),
    "non-ASCII name": (json.dumps(_body(customer={"email": "a@example.com", "name": "Zoë", "phone": "1",
                                                  "address": {"city": "Miami"}})).encode(), "application/json", {}, False),
    "serializer refusal": (json.dumps(_body(purchase_date="2024-02-30")).encode(), "application/json", {}, False),
    "a receipt": (json.dumps(_body(proof_of_purchase="media_abc")).encode(), "application/json", {}, False),
    "NaN": (b'{"serial_number": NaN}', "application/json", {}, False),
    "not JSON": (b"{serial", "application/json", {}, False),
    "a list": (b"[]", "application/json", {}, False),
    "NUL in a key": (json.dumps({**_body(), "x\u0000": 1}).encode(), "application/json", {}, False),
    "form body": (b"serial_number=SN-CA-00700001", "application/x-www-form-urlencoded", {}, False),
    "HTML only": (json.dumps(_body()).encode(), "application/json", {"HTTP_ACCEPT": "text/html"}, False),
    "a bad token": (json.dumps(_body()).encode(), "application/json", {"HTTP_AUTHORIZATION": "Bearer x"}, False),
    "Idempotency-Key": (json.dumps(_body()).encode(), "application/json", {"HTTP_IDEMPOTENCY_KEY": "k-1"}, False),
    "empty body": (b"", "application/json", {}, False),
}


@pytest.mark.parametrize("name", list(_CASES))
def test_each_request_gets_the_same_answer_either_way(api, tenant, monkeypatch, name):
    api.post(URL, _body(serial_number="SN-CA-00700099"), format="json")  # for "already registered"
    raw, content_type, headers, plain = _CASES[name]
    by_plain_lane, taken = _answer(api, monkeypatch, True, raw, content_type, headers)
    by_drf, _ = _answer(api, monkeypatch, False, raw, content_type, headers)
    assert by_plain_lane == by_drf
    assert taken is plain


def test_a_product_with_an_image_gets_the_same_answer_either_way(api, tenant, monkeypatch, settings, tmp_path):
    from wagtail.images import get_image_model
    from wagtail.images.tests.utils import get_test_image_file

    from warranty_api.models import Product

    settings.MEDIA_ROOT = tmp_path
    image = get_image_model().objects.create(title="TP9 photo", file=get_test_image_file(), collection=tenant.collection)
    Product.objects.filter(tenant=tenant, sku="TP9-ELITE-SC").update(image=image)
    tenant.save()  # as every catalog change does: the cached catalog is read again
    # Made outside the lanes' rolled-back savepoints: a second rendition file would take another name.
    rendition = image.get_rendition("max-720x480")
    raw = json.dumps(_body()).encode()
    by_plain_lane, taken = _answer(api, monkeypatch, True, raw, "application/json", {})
    by_drf, _ = _answer(api, monkeypatch, False, raw, "application/json", {})
    assert taken and by_plain_lane == by_drf
    assert by_plain_lane[2]["data"]["product"]["image_url"] == rendition.url


def test_the_plain_lane_writes_what_drf_writes(api, tenant, monkeypatch):
    from warranty_api.models import Customer, Notification, Warranty, WarrantyEvent

    def rows(serial):
        warranty = Warranty.objects.get(serial_number=serial)
        event = WarrantyEvent.objects.get(warranty=warranty)
        notification = Notification.objects.get(subject_ref=warranty.id)
        return (
            {k: v for k, v in warranty.__dict__.items() if k not in ("_state", "id", "serial_number", "created_at",
                                                                      "updated_at", "customer_id")},
            {k: v for k, v in Customer.objects.get(id=warranty.customer_id).__dict__.items()
             if k not in ("_state", "id", "created_at", "updated_at", "email")},
            (event.action, event.before, event.after),
            # The certificate's signed link names its own warranty, as the serial does.
            {k: v for k, v in notification.context.items() if k not in ("serial_number", "certificate_link")},
        )

    monkeypatch.setattr(views, "PLAIN_LANE", True)
    first = api.post(URL, _body(serial_number="SN-CA-00700011"), format="json")
    monkeypatch.setattr(views, "PLAIN_LANE", False)
    second = api.post(URL, _body(serial_number="SN-CA-00700012",
                                 customer={**_body()["customer"], "email": "other@example.com"}), format="json")
    assert first.status_code == second.status_code == 201
    assert rows("SN-CA-00700011") == rows("SN-CA-00700012")


def _public_rate(settings, rate: str) -> None:
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**rates, "public_ip": rate}}


def test_the_throttle_counts_a_plain_registration_once_and_refuses_as_drf_does(api, tenant, monkeypatch, settings):
    from warranty_api.models import Warranty

    _public_rate(settings, "2/minute")
    answers = {}
    for lane in (True, False):
        monkeypatch.setattr(views, "PLAIN_LANE", lane)
        cache.clear()
        statuses = [api.post(URL, _body(serial_number=f"SN-CA-0070010{n}",
                                        customer={**_body()["customer"], "email": f"t{lane}{n}@example.com"}),
                             format="json") for n in range(3)]
        answers[lane] = [_stable(r)[:2] for r in statuses]
        assert [r.status_code for r in statuses] == [201, 201, 429]
        assert statuses[2].json()["error"]["code"] == "rate_limited"
        Warranty.objects.filter(serial_number__startswith="SN-CA-007001").delete()
    assert answers[True] == answers[False]


@pytest.mark.parametrize("slug", ["nobrand", "admin", "inactive"])
@pytest.mark.parametrize("plain", [True, False])
def test_a_missing_brand_is_the_same_404_either_way(api, tenant, make_tenant, monkeypatch, slug, plain):
    make_tenant("inactive").__class__.objects.filter(slug="inactive").update(is_active=False)
    raw = json.dumps(_body()).encode() if plain else b"{not json"
    url = f"/api/p/{slug}/warranties"
    by_plain_lane, taken = _answer(api, monkeypatch, True, raw, "application/json", {}, url)
    by_drf, _ = _answer(api, monkeypatch, False, raw, "application/json", {}, url)
    assert by_plain_lane == by_drf
    assert by_drf[0] == 404 and by_drf[2]["error"]["code"] == "tenant_not_found"
    assert taken is plain


def test_the_plain_lane_reads_the_brand_and_the_serial_in_one_statement(api, tenant):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert api.post(URL, _body(serial_number="SN-CA-00700021"), format="json").status_code == 201  # catalog read
    with CaptureQueriesContext(connection) as queries:
        assert api.post(URL, _body(), format="json").status_code == 201
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    assert len(reads) == 1 and "warranty_api_tenant" in reads[0] and "warranty_api_knownserial" in reads[0]
    if connection.vendor == "postgresql":  # and one write, the statement of customer, warranty, event, email
        statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]  # the test's own
        assert len(statements) == 2 and statements[1].startswith("WITH c AS")


def test_a_client_cannot_buy_a_fresh_budget_with_x_forwarded_for(api, tenant, settings):
    _public_rate(settings, "2/minute")

    def register(n: int, forwarded: str) -> int:
        body = _body(serial_number=f"SN-CA-0070030{n}", customer={**_body()["customer"], "email": f"x{n}@example.com"})
        return api.post(URL, body, format="json", HTTP_X_FORWARDED_FOR=forwarded).status_code

    # No proxy trusted (the default outside production): the header is ignored, the address counts.
    assert [register(n, f"203.0.113.{n}") for n in range(3)] == [201, 201, 429]
    # Behind one trusted load balancer: the address it saw (the last entry) is the client.
    cache.clear()
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    assert [register(n, f"198.51.100.9, 203.0.113.{n % 2}") for n in range(3, 7)] == [201, 201, 201, 201]
    assert register(7, "198.51.100.1, 203.0.113.1") == 429  # a spoofed first entry: the same client
