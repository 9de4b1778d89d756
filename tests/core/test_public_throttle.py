"""The public endpoints' one rate limit: a budget per client address, brand and endpoint."""

from __future__ import annotations

from django.core.cache import cache

from tests.media.test_media import minimal_pdf, post_upload
from tests.warranties.test_warranty_registration import BRIEF_EXAMPLE
from tests.warranties.test_warranty_registration import body as registration_body
from warranty_api.models import Media, Warranty


def _limit(settings, rate: str) -> None:
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**rates, "public_ip": rate}}
    cache.clear()


def _register(api, slug: str, n: int) -> int:
    customer = {**BRIEF_EXAMPLE["customer"], "email": f"limit{n}@example.com"}
    body = registration_body(serial_number=f"SN-CA-0090000{n}", customer=customer)
    return api.post(f"/api/p/{slug}/warranties", body, format="json").status_code


def _upload(api, slug: str) -> int:
    return post_upload(api, minimal_pdf(), "receipt.pdf", url=f"/api/p/{slug}/upload").status_code


def test_uploads_do_not_spend_the_registration_budget_nor_the_reverse(api, tenant, settings):
    _limit(settings, "2/minute")
    assert [_upload(api, "northpeak") for _ in range(3)] == [201, 201, 429]
    # The uploads' budget is spent; the same address still registers, until the registrations' own runs out.
    statuses = [_register(api, "northpeak", n) for n in range(3)]
    assert 429 not in statuses[:2] and statuses[2] == 429
    assert Media.objects.count() == 2


def test_one_brand_s_traffic_does_not_spend_another_brand_s_budget(api, tenant, other_tenant, settings):
    _limit(settings, "1/minute")
    assert [_register(api, "northpeak", 1), _register(api, "northpeak", 2)][1] == 429
    assert _upload(api, "northpeak") == 201 and _upload(api, "northpeak") == 429
    assert _register(api, "southwind", 3) != 429
    assert _upload(api, "southwind") == 201
    assert Warranty.objects.filter(tenant=other_tenant).count() <= 1
