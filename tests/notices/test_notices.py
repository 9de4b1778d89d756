"""Recall and safety notices over HTTP: audience matching, the dry run, one email per reachable owner, the notice on
the affected warranties, counts; and who may do what."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import client_for
from tests.support.claims_helpers import make_warranty
from warranty_api.catalog.imports.services import serials_import
from warranty_api.models import Customer, Notice, NoticeWarranty, Notification, NotificationKind, Role, Warranty

URL = "/api/northpeak/admin/notices"


def serial(n: int) -> str:
    return f"SN-CA-{n:08d}"


@pytest.fixture
def fleet(tenant, make_customer):
    """20 known serials (batch R1; made in January for 1-10, March for 11-20), 1-16 registered:
    owners: 1-4 ann (verified), 5-8 each their own verified owner, 9 an unverified owner, 10 no account,
    11-12 bob (verified, opted out of marketing email), 13-16 cy (verified), 9-16 transferred once for 13."""
    rows = "".join(f"{serial(n)},TP9-ELITE-SC,2025-{'01' if n <= 10 else '03'}-15\n" for n in range(1, 21))
    serials_import(tenant=tenant, stream=io.BytesIO(rows.encode()), batch="R1")
    ann = make_customer(tenant, "ann@example.com")
    bob = make_customer(tenant, "bob@example.com")
    cy = make_customer(tenant, "cy@example.com")
    owners = {n: ann for n in range(1, 5)} | {n: make_customer(tenant, f"o{n}@example.com") for n in range(5, 9)}
    owners |= {9: make_customer(tenant, "unverified@example.com", verified=False), 10: None, 11: bob, 12: bob}
    owners |= {n: cy for n in range(13, 17)}
    warranties = {n: make_warranty(tenant, owner, serial=serial(n)) for n, owner in owners.items()}
    Customer.objects.filter(tenant=tenant, email="bob@example.com").update(marketing_opt_out=True)
    # Unit 13 changed hands: the old row is transferred, the successor (cy's) is the one the notice is for.
    Warranty.objects.filter(pk=warranties[13].pk).update(serial_number=serial(13), status="transferred")
    warranties[13] = make_warranty(tenant, cy, serial=serial(13))
    return {"warranties": warranties, "ann": ann, "bob": bob, "cy": cy}


def _body(kind="safety", **audience):
    return {"title": "Trigger spring recall", "message": "Stop using it; we repair it for free.", "kind": kind,
            "audience": audience}


def test_dry_run_answers_the_reach_and_writes_nothing(admin_client, fleet):
    response = admin_client.post(f"{URL}?dry_run=true", _body(serial_from=serial(1), serial_to=serial(12)), format="json")
    assert response.status_code == 200, response.content
    # Known 1-12; registered 1-12; reachable units 1-8 and 11-12 (9 unverified, 10 no account): 10 of 12 known.
    # Owners: ann, o5..o8, bob = 6.
    assert response.json()["data"] == {"units_known": 12, "units_registered": 12, "units_reachable": 10,
                                       "owners_reachable": 6, "reach_percent": 83.33}
    assert Notice.objects.count() == 0 and Notification.objects.count() == 0 and NoticeWarranty.objects.count() == 0


def test_a_service_notice_skips_owners_who_opted_out_a_safety_notice_does_not(admin_client, fleet):
    audience = {"serial_prefix": "sn-ca-0000001"}  # 10-19, any case; 17-19 known only
    safety = admin_client.post(f"{URL}?dry_run=true", _body("safety", **audience), format="json").json()["data"]
    service = admin_client.post(f"{URL}?dry_run=true", _body("service", **audience), format="json").json()["data"]
    # 10 (no account), 11-12 bob, 13-16 cy; known 10-19.
    assert (safety["units_known"], safety["units_registered"], safety["units_reachable"], safety["owners_reachable"]) \
        == (10, 7, 6, 2)
    assert (service["units_reachable"], service["owners_reachable"]) == (4, 1)


def test_a_recall_reaches_each_owner_in_the_range_once_and_shows_on_their_warranties(
    tenant, admin_client, fleet, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(URL, _body(serial_from=serial(1), serial_to=serial(12)), format="json")
    assert response.status_code == 201, response.content
    notice = response.json()["data"]
    emails = Notification.objects.filter(kind=NotificationKind.PRODUCT_NOTICE, subject_ref=notice["id"])
    expected = sorted(["ann@example.com", "bob@example.com", *(f"o{n}@example.com" for n in range(5, 9))])
    assert sorted(emails.values_list("to_email", flat=True)) == expected
    assert sorted(m.to[0] for m in mail.outbox if m.subject.startswith("Trigger spring recall")) == expected
    sent = next(m for m in mail.outbox if m.to == ["ann@example.com"])
    assert "Stop using it" in sent.body and "/northpeak/products/wty_" in sent.body
    affected = set(NoticeWarranty.objects.filter(notice_id=notice["id"]).values_list("warranty__serial_number", flat=True))
    assert affected == {serial(n) for n in range(1, 13)}
    detail = admin_client.get(f"{URL}/{notice['id']}").json()["data"]
    assert detail["counts"] == {"emails": 6, "sent": 6, "failed": 0, "pending": 0, "warranties": 12,
                                "opened_in_portal": 0}
    assert (detail["units_known"], detail["units_registered"], detail["owners_reachable"]) == (12, 12, 6)

    # The owner sees it on the warranty, which counts as opened; an unaffected warranty shows nothing.
    ann = client_for(fleet["ann"], tenant)
    shown = ann.get(f"/api/northpeak/warranties/{fleet['warranties'][1].id}/notices")
    assert shown.status_code == 200
    assert [(n["id"], n["kind"], n["title"]) for n in shown.json()["data"]] == [
        (notice["id"], "safety", "Trigger spring recall")]
    cy = client_for(fleet["cy"], tenant)
    assert cy.get(f"/api/northpeak/warranties/{fleet['warranties'][14].id}/notices").json()["data"] == []
    assert admin_client.get(f"{URL}/{notice['id']}").json()["data"]["counts"]["opened_in_portal"] == 1
    staff_view = admin_client.get(f"/api/northpeak/admin/warranties/{fleet['warranties'][2].id}/notices").json()["data"]
    assert [n["id"] for n in staff_view] == [notice["id"]]


def test_each_owner_is_written_to_in_their_own_language_not_the_sender_s(
    tenant, admin_client, fleet, django_capture_on_commit_callbacks
):
    tenant.languages = ["en", "de"]
    tenant.save(update_fields=["languages"])
    User = type(fleet["ann"])
    User.objects.filter(pk=fleet["ann"].pk).update(language="de")
    User.objects.filter(pk=fleet["bob"].pk).update(language="fr")  # not offered by this brand: its default
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(URL, _body(serial_from=serial(1), serial_to=serial(12)), format="json",
                              HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 201, response.content
    languages = dict(Notification.objects.filter(kind=NotificationKind.PRODUCT_NOTICE)
                     .values_list("to_email", "language"))
    assert languages["ann@example.com"] == "de"
    assert languages["bob@example.com"] == "en" and languages["o5@example.com"] == "en"


def test_audience_keys_all_match_together(admin_client, fleet):
    both = admin_client.post(f"{URL}?dry_run=true", _body(manufactured_from="2025-03-01", serial_to=serial(14),
                                                   import_batch="R1", skus=["TP9-ELITE-SC"]), format="json")
    # Made in March: 11-20; up to 14: 11-14.
    assert both.json()["data"]["units_known"] == 4 and both.json()["data"]["units_registered"] == 4
    other_batch = admin_client.post(f"{URL}?dry_run=true", _body(import_batch="R2"), format="json").json()["data"]
    assert other_batch["units_known"] == 0 and other_batch["reach_percent"] is None


def test_a_repeated_send_task_sends_nothing_twice(tenant, admin_client, fleet, django_capture_on_commit_callbacks):
    from warranty_api.tasks import notice_send_batch

    with django_capture_on_commit_callbacks(execute=True):
        notice = admin_client.post(URL, _body(serial_prefix=serial(1)[:-1]), format="json").json()["data"]
    ids = list(Notification.objects.filter(subject_ref=notice["id"]).values_list("id", flat=True))
    count = len(mail.outbox)
    assert count == 5  # ann and o5..o8
    assert notice_send_batch(ids) == 0  # every row is already sent
    assert len(mail.outbox) == count


@pytest.mark.parametrize("body, field", [
    (_body(colour="red"), "audience.colour"),
    (_body(), "audience.non_field_errors"),
    (_body(skus=["NOPE"]), "audience.skus[0]"),
    (_body(categories=["boats"]), "audience.categories[0]"),
    (_body(manufactured_from="2025-1-01"), "audience.manufactured_from"),
    ({**_body(serial_prefix="SN"), "kind": "marketing"}, "kind"),
    ({**_body(serial_prefix="SN"), "extra": 1}, "extra"),
])
def test_bad_notices_are_refused_whole(admin_client, fleet, body, field):
    response = admin_client.post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert Notice.objects.count() == 0 and Notification.objects.filter(kind="product_notice").count() == 0


def test_the_list_pages_with_constant_queries(tenant, admin_client, fleet):
    for n in range(6):
        admin_client.post(URL, {**_body(serial_prefix=serial(n + 1)), "title": f"Notice {n}"}, format="json")
    with CaptureQueriesContext(connection) as one:
        assert len(admin_client.get(URL, {"limit": 1}).json()["data"]) == 1
    with CaptureQueriesContext(connection) as six:
        page = admin_client.get(URL, {"limit": 6}).json()["data"]
    assert [n["title"] for n in page] == [f"Notice {n}" for n in reversed(range(6))]
    assert len(six) == len(one)


# --- authorization ---------------------------------------------------------------------------------------------

ACTORS = ["anonymous", "customer", "other_customer", "other_tenant_customer", "agent", "admin", "other_tenant_admin"]
_OTHER = {"anonymous": 401, "other_tenant_customer": 401, "other_tenant_admin": 401}
ADMIN_WRITE = {**_OTHER, "customer": 403, "other_customer": 403, "agent": 403, "admin": 201}
ADMIN_DRY = {**ADMIN_WRITE, "admin": 200}
STAFF_READ = {**_OTHER, "customer": 403, "other_customer": 403, "agent": 200, "admin": 200}
OWNER_READ = {**_OTHER, "customer": 200, "other_customer": 404, "agent": 403, "admin": 403}


def _snapshot():
    return (Notice.objects.count(), NoticeWarranty.objects.count(), Notification.objects.count(),
            list(NoticeWarranty.objects.values_list("opened_at", flat=True)))


@pytest.fixture
def sent(tenant, actors):
    owner = actors["customer"][0]
    warranty = make_warranty(tenant, owner, serial="SN-CA-77770001")
    admin_client = next(c for name, (_, c) in actors.items() if name == "admin")
    notice = admin_client.post(URL, _body(serial_prefix="SN-CA-7777"), format="json").json()["data"]
    return {"notice": notice, "warranty": warranty}


@pytest.mark.parametrize("actor", ACTORS)
def test_who_may_send(actor, actors, sent):
    before = _snapshot()
    response = actors[actor][1].post(URL, _body(serial_prefix="SN-CA-7777"), format="json")
    assert response.status_code == ADMIN_WRITE[actor], response.content
    if response.status_code != 201:
        assert _snapshot() == before


@pytest.mark.parametrize("actor", ACTORS)
def test_who_may_dry_run(actor, actors, sent):
    before = _snapshot()
    response = actors[actor][1].post(f"{URL}?dry_run=true", _body(serial_prefix="SN-CA-7777"), format="json")
    assert response.status_code == ADMIN_DRY[actor]
    assert _snapshot() == before


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("path", ["", "/{notice}"])
def test_who_may_read_notices(actor, actors, sent, path):
    before = _snapshot()
    response = actors[actor][1].get(URL + path.format(notice=sent["notice"]["id"]))
    assert response.status_code == STAFF_READ[actor]
    assert _snapshot() == before


@pytest.mark.parametrize("actor", ACTORS)
def test_who_may_read_a_warranty_s_notices(actor, actors, sent):
    before = _snapshot()
    response = actors[actor][1].get(f"/api/northpeak/warranties/{sent['warranty'].id}/notices")
    assert response.status_code == OWNER_READ[actor]
    if response.status_code != 200:
        assert _snapshot() == before


@pytest.mark.parametrize("actor", ACTORS)
def test_who_may_read_a_warranty_s_notices_as_staff(actor, actors, sent):
    before = _snapshot()
    response = actors[actor][1].get(f"/api/northpeak/admin/warranties/{sent['warranty'].id}/notices")
    assert response.status_code == STAFF_READ[actor]
    assert _snapshot() == before


def test_another_brand_s_notice_and_warranty_are_404(tenant, other_tenant, make_staff, make_customer):
    foreign_admin = client_for(make_staff(other_tenant, Role.ADMIN), other_tenant)
    foreign_owner = make_customer(other_tenant, "owner@example.com")
    warranty = make_warranty(other_tenant, foreign_owner, serial="SN-CA-88880001")
    notice = foreign_admin.post("/api/southwind/admin/notices", _body(serial_prefix="SN-CA-8888"),
                                format="json").json()["data"]
    admin_client = client_for(make_staff(tenant, Role.ADMIN), tenant)
    assert admin_client.get(f"{URL}/{notice['id']}").status_code == 404
    assert admin_client.get(f"/api/northpeak/admin/warranties/{warranty.id}/notices").status_code == 404
    # And a notice of this brand never reaches the other brand's owner of a look-alike serial.
    make_warranty(tenant, make_customer(tenant, "local@example.com"), serial="SN-CA-88880001")
    local = admin_client.post(URL, _body(serial_prefix="SN-CA-8888"), format="json").json()["data"]
    assert list(Notification.objects.filter(subject_ref=local["id"]).values_list("to_email", flat=True)) == [
        "local@example.com"]
