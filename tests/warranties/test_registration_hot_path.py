"""The registration's hot path: the per-process catalog cache, its query budget, and its task row."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.signing import SignedPackage
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from tests.conftest import load_tenant, tenant_config
from tests.warranties.test_warranty_registration import BRIEF_EXAMPLE
from tests.warranties.test_warranty_registration import body as registration_body
from warranty_api.catalog.selectors import tenant_catalog
from warranty_api.models import Notification, Warranty

NORTHPEAK_URL = "/api/p/northpeak/warranties"


def body(serial: str, email: str = "customer@example.com") -> dict:
    return registration_body(serial_number=serial, customer={**BRIEF_EXAMPLE["customer"], "email": email})


def _config(slug: str, *, product_name: str, pattern: str, months: int = 24) -> dict:
    config = tenant_config(slug)
    config["categories"][0]["extended_months"] = months
    config["products"] = [{"sku": "TP9-ELITE-SC", "name": product_name, "category": "handguns", "serial_pattern": pattern}]
    config["serials"] = []
    return config


def test_a_catalog_change_is_seen_by_the_next_registration(api, db):
    load_tenant(_config("northpeak", product_name="TP9 Elite SC", pattern="SN-CA-[0-9]{8}"))
    first = api.post(NORTHPEAK_URL, body("SN-CA-00000001"), format="json")
    assert first.status_code == 201, first.content
    assert first.json()["data"]["product"]["name"] == "TP9 Elite SC"

    # Renamed product, new pattern and a longer extended term, applied while the catalog is cached.
    load_tenant(_config("northpeak", product_name="TP9 Elite SC Gen 2", pattern="SN-CZ-[0-9]{8}", months=36))
    refused = api.post(NORTHPEAK_URL, body("SN-CA-00000002"), format="json")
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "serial_unknown"
    second = api.post(NORTHPEAK_URL, body("SN-CZ-00000003"), format="json")
    assert second.status_code == 201, second.content
    data = second.json()["data"]
    assert data["product"]["name"] == "TP9 Elite SC Gen 2"
    start = datetime.date.fromisoformat(data["warranty_start"])
    assert datetime.date.fromisoformat(data["warranty_end"]).year == start.year + 3


def test_two_tenants_never_share_a_catalog_entry(api, db):
    north = load_tenant(_config("northpeak", product_name="North TP9", pattern="SN-CA-[0-9]{8}"))
    south = load_tenant(_config("southwind", product_name="South TP9", pattern="SN-CA-[0-9]{8}"))
    # Same SKU and pattern in both: each registration must land on its own tenant's product.
    for slug, tenant, name in (("northpeak", north, "North TP9"), ("southwind", south, "South TP9")):
        response = api.post(f"/api/p/{slug}/warranties", body("SN-CA-00000007"), format="json")
        assert response.status_code == 201, response.content
        assert response.json()["data"]["product"]["name"] == name
        warranty = Warranty.objects.get(id=response.json()["data"]["id"])
        assert warranty.tenant_id == tenant.id and warranty.product.tenant_id == tenant.id
    north_catalog, south_catalog = tenant_catalog(tenant=north), tenant_catalog(tenant=south)
    assert north_catalog is not south_catalog
    assert {p.tenant_id for p in north_catalog.products.values()} == {north.id}
    assert {p.tenant_id for p in south_catalog.products.values()} == {south.id}


def test_registration_query_budget(api, tenant, django_assert_max_num_queries):
    assert api.post(NORTHPEAK_URL, body("SN-CA-00000101", "a@example.com"), format="json").status_code == 201
    # Tenant, serial + owner lookup, customer, warranty, event, notification, task row (and the savepoint or
    # transaction statements around them); not one more per registration once the catalog is cached.
    with django_assert_max_num_queries(10):
        response = api.post(NORTHPEAK_URL, body("SN-CA-00000102", "b@example.com"), format="json")
    assert response.status_code == 201, response.content


def test_the_task_row_commits_with_the_registration_and_only_with_it(api, tenant, monkeypatch):
    # The ORM broker as deployed without Redis (not the suite's inline mode): nothing runs the task here.
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "ORM", "default")  # also when the suite runs with REDIS_URL
    response = api.post(NORTHPEAK_URL, body("SN-CA-00000201"), format="json")
    assert response.status_code == 201, response.content
    notification = Notification.objects.get(subject_ref=response.json()["data"]["id"])
    tasks = [SignedPackage.loads(row.payload) for row in OrmQ.objects.all()]
    assert [(t["func"], t["args"]) for t in tasks] == [("warranty_api.tasks.notification_send", (notification.id,))]

    duplicate = api.post(NORTHPEAK_URL, body("SN-CA-00000201", "other@example.com"), format="json")
    assert duplicate.status_code == 409
    assert OrmQ.objects.count() == 1 and Notification.objects.count() == 1


def test_the_task_package_is_the_one_async_task_builds(monkeypatch):
    from django_q.tasks import async_task

    from warranty_api.core.queueing import _task_package

    class Catcher:
        list_key = "aftersale"

        def enqueue(self, package):
            self.package = package

    monkeypatch.setattr(Conf, "SYNC", False)  # the suite runs tasks inline; the hot path's broker does not
    for cached, ack in ((False, False), (60, True)):
        monkeypatch.setattr(Conf, "CACHED", cached)
        monkeypatch.setattr(Conf, "ACK_FAILURES", ack)
        catcher = Catcher()
        async_task("warranty_api.tasks.notification_send", "ntf_1", task_name="notification ntf_1", broker=catcher)
        theirs = SignedPackage.loads(catcher.package)
        ours = SignedPackage.loads(_task_package("warranty_api.tasks.notification_send", ("ntf_1",), "notification ntf_1"))
        assert list(ours) == list(theirs)
        assert {k: v for k, v in ours.items() if k not in ("id", "started")} == {
            k: v for k, v in theirs.items() if k not in ("id", "started")
        }
        assert len(ours["id"]) == len(theirs["id"]) == 32


# --- the hand-written answer and the shared input serializer equal the serializers they stand in for -------


def test_the_written_out_answer_equals_the_serializer(api, tenant):
    from warranty_api.warranties.serializers import WarrantyOutput, warranty_output
    from warranty_api.warranties.services import warranty_register

    data = {**body("SN-CA-00000301"), "order_number": "  A-1 "}
    data["purchase_date"] = datetime.date.fromisoformat(data["purchase_date"])
    fresh = warranty_register(tenant=tenant, data=data)  # as the view has it: not read back from the database
    assert warranty_output(fresh) == WarrantyOutput(fresh).data

    stored = Warranty.objects.select_related("product__category").get(pk=fresh.pk)
    # Every branch of the answer: expired (computed), void, a replacement's link, a receipt id.
    stored.warranty_end = timezone.localdate() - datetime.timedelta(days=1)
    assert warranty_output(stored) == WarrantyOutput(stored).data
    assert warranty_output(stored)["status"] == "expired"
    stored.status, stored.replaces_id, stored.proof_of_purchase_id = "void", fresh.pk, "media_abc"
    assert warranty_output(stored) == WarrantyOutput(stored).data

    over_http = api.post(NORTHPEAK_URL, body("SN-CA-00000302"), format="json")
    assert over_http.status_code == 201
    row = Warranty.objects.select_related("product__category").get(pk=over_http.json()["data"]["id"])
    assert over_http.json()["data"] == {**WarrantyOutput(row).data}
    assert over_http.json()["data"]["product"]["image_url"] is None


def test_the_written_out_answer_carries_the_products_image(api, tenant, settings, tmp_path):
    from wagtail.images import get_image_model
    from wagtail.images.tests.utils import get_test_image_file

    from warranty_api.models import Product
    from warranty_api.warranties.serializers import WarrantyOutput, warranty_output

    settings.MEDIA_ROOT = tmp_path
    image = get_image_model().objects.create(title="TP9 photo", file=get_test_image_file(), collection=tenant.collection)
    product = Product.objects.get(tenant=tenant, sku="TP9-ELITE-SC")
    product.image = image
    product.save()
    tenant.save()  # a catalog change touches the tenant, so the cached catalog is read again

    over_http = api.post(NORTHPEAK_URL, body("SN-CA-00000303"), format="json")
    assert over_http.status_code == 201, over_http.content
    answer = over_http.json()["data"]
    row = Warranty.objects.select_related("product__category").get(pk=answer["id"])
    assert answer == WarrantyOutput(row).data == warranty_output(row)
    assert answer["product"]["image_url"] == image.get_rendition("max-720x480").url



def test_a_product_with_an_image_costs_a_registration_no_more_queries(api, tenant, settings, tmp_path):
    """The image's rendition comes with the cached catalog, so `product.image_url` reads nothing per registration."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from wagtail.images import get_image_model
    from wagtail.images.tests.utils import get_test_image_file

    from warranty_api.models import Product

    def queries(serial: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.post(NORTHPEAK_URL, body(serial, f"{serial}@example.com"), format="json").status_code == 201
        return len(captured)

    queries("SN-CA-00000401")
    plain = queries("SN-CA-00000402")
    settings.MEDIA_ROOT = tmp_path
    image = get_image_model().objects.create(title="TP9 photo", file=get_test_image_file(), collection=tenant.collection)
    image.get_rendition("max-720x480")  # made once, when the brand adds the image (the product page makes it too)
    Product.objects.filter(tenant=tenant, sku="TP9-ELITE-SC").update(image=image)
    tenant.save()
    queries("SN-CA-00000403")  # reads the changed catalog
    cache.clear()  # Wagtail also keeps renditions in the cache (Redis in production): a round trip of its own
    assert queries("SN-CA-00000404") == plain

_BODIES = [
    body("SN-CA-00000401"),
    {**body(" sn-ca-00000402 "), "retailer": "   ", "order_number": "", "proof_of_purchase": None},
    {**body("SN-CA-00000403"), "proof_of_purchase": " media_abc123 ", "unknown": [1, 2]},
    {**body("SN-CA-00000404"), "customer": {"email": " A@Example.COM ", "name": "Zoë", "address": {"zip": "1", "x": 1}}},
    {},
    [],
    None,
    "text",
    {"serial_number": None, "purchase_date": None, "customer": None},
    {"serial_number": 12345, "purchase_date": 20240101, "customer": {"email": 1, "name": True}},
    {"serial_number": "", "purchase_date": "", "customer": {"email": "", "name": "  "}},
    {"serial_number": "x" * 101, "purchase_date": "2024-02-30", "retailer": "r" * 201, "order_number": "o" * 101},
    {**body("SN-CA-00000405"), "purchase_date": "20240101"},
    {**body("SN-CA-00000406"), "purchase_date": "2024-01-01T10:00:00"},
    {**body("SN-CA-00000407"), "proof_of_purchase": "file_abc"},
    {**body("SN-CA-00000408"), "proof_of_purchase": ""},
    {**body("SN-CA-00000409"), "customer": {"email": "not-an-email", "name": "N", "phone": "9" * 41}},
    {**body("SN-CA-00000410"), "customer": {"email": "a@example.com", "name": "N", "address": "Main St"}},
    {**body("SN-CA-00000411"), "customer": {"email": "a@example.com", "name": "N", "address": {"city": "c" * 101}}},
    {**body("SN-CA-00000412"), "customer": {"email": "a@example.com", "name": "N", "address": None}},
    {**body("SN-CA-00000413"), "customer": []},
]


def _fresh_serializer_result(data):
    from rest_framework.exceptions import ValidationError

    from warranty_api.warranties.serializers import WarrantyRegisterInput

    serializer = WarrantyRegisterInput(data=data)
    try:
        serializer.is_valid(raise_exception=True)
    except ValidationError as exc:
        return "refused", exc.detail
    return "valid", serializer.validated_data


@pytest.mark.parametrize("data", _BODIES)
def test_the_shared_input_serializer_answers_as_a_fresh_one(data):
    from rest_framework.exceptions import ValidationError

    from warranty_api.warranties.serializers import warranty_register_input

    expected = _fresh_serializer_result(data)
    try:
        got = ("valid", warranty_register_input(data))
    except ValidationError as exc:
        got = ("refused", exc.detail)
    assert got == expected
    # The codes the client sees are the same too (the envelope flattens `detail`).
    if expected[0] == "refused":
        from warranty_api.core.exceptions import _field_errors

        assert _field_errors(got[1]) == _field_errors(expected[1])


def test_the_plain_path_takes_the_common_body_and_leaves_the_rest_to_the_serializer():
    from warranty_api.warranties.serializers import register_input_plain

    taken = [data for data in _BODIES if register_input_plain(data) is not None]
    # The brief's shape is taken; a receipt, non-ASCII text, bad types and refusals are the serializer's.
    assert taken == [_BODIES[0]]
    plain = register_input_plain({**body("SN-CA-1"), "customer": {"email": " a@b.example ", "name": " N "}})
    assert plain["customer"] == {"email": "a@b.example", "name": "N"}


_text = st.one_of(
    st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=6),
    st.sampled_from(["", "  ", " a ", "A" * 40, "9" * 41, "x" * 100, "x" * 101, "a@example.com", " B@Example.COM ",
                     "not-an-email", "a@b", "a@[127.0.0.1]", "é", "\x00", "2024-01-31", "2024-02-30", "20240101",
                     "2024-1-01", "+1-555-0123", "media_abc"]),
)
_value = st.one_of(_text, st.none(), st.integers(), st.booleans(), st.lists(st.integers(), max_size=1))
_address = st.one_of(_value, st.dictionaries(st.sampled_from(["street", "street2", "city", "state", "zip", "country",
                                                              "other"]), _value, max_size=4))
_customer = st.one_of(_value, st.fixed_dictionaries({}, optional={"email": _value, "name": _value, "phone": _value,
                                                                  "address": _address, "other": _value}))
_registration = st.one_of(_value, st.fixed_dictionaries({}, optional={
    "serial_number": _value, "purchase_date": _value, "retailer": _value, "order_number": _value,
    "proof_of_purchase": _value, "customer": _customer, "other": _value}))


@given(data=_registration)
@examples(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_whatever_the_plain_path_takes_the_serializer_validates_the_same(data):
    from warranty_api.warranties.serializers import register_input_plain

    plain = register_input_plain(data)
    if plain is not None:
        assert _fresh_serializer_result(data) == ("valid", plain)


@given(serial=_text, date=st.dates(min_value=datetime.date(1990, 1, 1)), email=_text, name=_text, phone=_text)
@examples(max_examples=300, deadline=None)
def test_the_plain_path_agrees_on_near_valid_bodies(serial, date, email, name, phone):
    """Bodies one field away from valid: most are taken by one path or refused by both, never answered apart."""
    from warranty_api.warranties.serializers import register_input_plain

    data = {"serial_number": serial, "purchase_date": date.isoformat(),
            "customer": {"email": email or "a@example.com", "name": name, "phone": phone}}
    plain = register_input_plain(data)
    verdict = _fresh_serializer_result(data)
    if plain is not None:
        assert verdict == ("valid", plain)
    elif verdict[0] == "valid":
        # Only text the plain path does not take on purpose (non-ASCII) may go the long way when valid.
        assert not all(v.isascii() for v in (serial, email, name, phone))


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_one_statement_writes_all_or_nothing(api, monkeypatch):
    # No test transaction around it: on PostgreSQL the registration's statement is its own transaction here.
    from tests.conftest import load_tenant as load
    from warranty_api.models import Customer, WarrantyEvent

    load(_config("northpeak", product_name="TP9 Elite SC", pattern="SN-CA-[0-9]{8}"))
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "ORM", "default")
    first = api.post(NORTHPEAK_URL, body("SN-CA-00000501"), format="json")
    assert first.status_code == 201, first.content
    warranty = Warranty.objects.get(pk=first.json()["data"]["id"])
    assert warranty.customer.email == "customer@example.com" and warranty.customer.phone == "+1-555-0123"
    assert list(WarrantyEvent.objects.filter(warranty=warranty).values_list("action", flat=True)) == ["registered"]
    notification = Notification.objects.get(subject_ref=warranty.id)
    assert notification.context["product_name"] == "TP9 Elite SC" and notification.status == "queued"
    assert [SignedPackage.loads(r.payload)["args"] for r in OrmQ.objects.all()] == [(notification.id,)]

    # The duplicate is refused whole: no second customer, event, email or task, and the first customer's
    # record is not touched by the refused registration.
    again = body("SN-CA-00000501", "customer@example.com")
    again["customer"]["name"] = "Someone Else"
    refused = api.post(NORTHPEAK_URL, again, format="json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "serial_already_registered"
    assert Customer.objects.get().name == "John Smith"
    assert (Warranty.objects.count(), WarrantyEvent.objects.count(), Notification.objects.count(), OrmQ.objects.count()) == (1, 1, 1, 1)


@pytest.mark.django_db
def test_no_pattern_index_is_left_on_ids_and_references():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the _like indexes exist on PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename IN ('warranty_api_warranty', 'warranty_api_customer', "
            "'warranty_api_warrantyevent', 'warranty_api_notification', 'warranty_api_webhookdelivery') "
            "AND (indexname LIKE '%%_like' OR (indexname LIKE '%%_tenant_id_%%' AND tablename IN "
            "('warranty_api_warranty', 'warranty_api_customer', 'warranty_api_notification')))"
        )
        assert cursor.fetchall() == []


def test_public_ids_are_uniform_over_the_alphabet():
    import collections
    import string

    from warranty_api.models import new_public_id

    ids = [new_public_id("wty_") for _ in range(3000)]
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 24 and i.startswith("wty_") for i in ids)
    counts = collections.Counter(ch for i in ids for ch in i[4:])
    alphabet = string.ascii_letters + string.digits
    assert set(counts) == set(alphabet)
    # 60,000 draws over 62 characters: about 968 each; a bias toward the first 8 characters (what `b % 62`
    # without the rejection would give, +25%) is far outside this band.
    assert all(800 < counts[ch] < 1140 for ch in alphabet)


@pytest.mark.django_db(transaction=True)
def test_the_registration_statements_are_prepared_once_per_connection(api):
    """On PostgreSQL an anonymous registration is two statements, both prepared by the server on first use:
    the tenant read joined to the serial lookup, and the write. Later registrations on the connection run
    them by name (no parse, no plan)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    load_tenant(_config("northpeak", product_name="TP9 Elite SC", pattern="SN-CA-[0-9]{8}"))

    def kind(statement: str) -> str:
        if statement.startswith("WITH c AS"):
            return "write"
        reads = [name for name in ("warranty_api_tenant", "warranty_api_knownserial") if name in statement]
        return " + ".join(reads) or statement[:30]

    def runs() -> dict[str, int]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
            return {kind(statement): count for statement, count in cursor.fetchall()}

    before = runs()
    for n in range(3):
        assert api.post(NORTHPEAK_URL, body(f"SN-CA-0000060{n}", f"c{n}@example.com"), format="json").status_code == 201
    after = runs()
    assert {key: after[key] - before.get(key, 0) for key in after if after[key] != before.get(key, 0)} == {
        "warranty_api_tenant + warranty_api_knownserial": 3, "write": 3,
    }
    # A registration with an Idempotency-Key (DRF's way): the tenant read, the lookup, the write, each prepared.
    before = runs()
    idempotent = api.post(NORTHPEAK_URL, body("SN-CA-00000610", "c9@example.com"), format="json",
                          HTTP_IDEMPOTENCY_KEY="prepared-1")
    assert idempotent.status_code == 201
    after = runs()
    changed = {key: after[key] - before.get(key, 0) for key in after if after[key] != before.get(key, 0)}
    assert changed["warranty_api_tenant"] == 1 and changed["warranty_api_knownserial"] == 1 and changed["write"] == 1


@pytest.mark.django_db
def test_without_prepared_statements_the_cursor_is_djangos_own(settings):
    from django.db import connection

    from warranty_api.core.statements import prepared_cursor

    settings.DATABASE_PREPARED_STATEMENTS = False
    with prepared_cursor(connection) as cursor, connection.cursor() as plain:
        assert type(cursor.cursor) is type(plain.cursor)
        cursor.execute("SELECT %s", [1])
        assert cursor.fetchone() == (1,)


def _terminate_backend_of(connection) -> int:
    import psycopg

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("prepare_threshold", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    return pid


@pytest.mark.django_db(transaction=True)
def test_a_prepared_cursor_on_a_dropped_connection_reconnects_as_djangos_own():
    """A statement sent through a prepared cursor (not by `prepared_read`) runs the health check of a reused
    connection first, like Django's own cursor, so a database restart costs a reconnect, not a failed request."""
    from django.db import connection

    from warranty_api.core.statements import prepared_cursor

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    pid = _terminate_backend_of(connection)
    connection.health_check_done = False  # a new request begins
    with prepared_cursor(connection) as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


@pytest.mark.django_db(transaction=True)
def test_a_prepared_read_is_its_own_health_check(monkeypatch):
    """The first read of a request skips Django's `SELECT 1` on a live connection, and on a dead one (the
    database restarted) reconnects and answers, as the health check would have."""
    from django.db import connection, connections

    from warranty_api.core.statements import prepared_read

    if connection.vendor != "postgresql":
        pytest.skip("a reused connection (CONN_MAX_AGE) is PostgreSQL's here; SQLite connects per request")
    checks = []
    wrapper = type(connections["default"])  # Django's PostgreSQL backend (a spy on its check, not our code)
    is_usable = wrapper.is_usable
    monkeypatch.setattr(wrapper, "is_usable", lambda self: checks.append(1) or is_usable(self))

    prepared_read(connection, "SELECT %s", [1])
    connection.health_check_done = False  # a new request begins on a live connection
    assert prepared_read(connection, "SELECT %s", [2]) == (2,)
    assert checks == [] and connection.health_check_done

    pid = _terminate_backend_of(connection)
    connection.health_check_done = False  # a new request begins; the server has dropped the connection
    assert prepared_read(connection, "SELECT pg_backend_pid()", []) != (pid,)
    assert checks == [1]


@pytest.mark.django_db(transaction=True)
def test_a_prepared_read_that_fails_on_a_live_connection_is_not_sent_again():
    from django.db import OperationalError, connection

    from warranty_api.core.statements import prepared_read

    if connection.vendor != "postgresql":
        pytest.skip("statement_timeout is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY SEQUENCE read_runs")
        cursor.execute("SET statement_timeout = 50")
    try:
        connection.health_check_done = False
        with pytest.raises(OperationalError):
            prepared_read(connection, "SELECT nextval('read_runs'), pg_sleep(%s)", [1])
        with connection.cursor() as cursor:
            cursor.execute("RESET statement_timeout")
            cursor.execute("SELECT last_value FROM read_runs")
            assert cursor.fetchone() == (1,)  # a sequence is not rolled back: it counts the runs
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_registration_after_the_database_dropped_the_connection_succeeds(api):
    """The plain lane's first statement is the combined tenant and serial read: it reconnects by itself."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a reused connection (CONN_MAX_AGE) is PostgreSQL's here")
    load_tenant(_config("northpeak", product_name="TP9 Elite SC", pattern="SN-CA-[0-9]{8}"))
    assert api.post(NORTHPEAK_URL, body("SN-CA-00000700", "d0@example.com"), format="json").status_code == 201
    _terminate_backend_of(connection)
    connection.health_check_done = False  # a new request begins (the test client leaves this to the test)
    response = api.post(NORTHPEAK_URL, body("SN-CA-00000701", "d1@example.com"), format="json")
    assert response.status_code == 201, response.content
