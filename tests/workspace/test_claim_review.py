"""The claim review screen: what it shows, the actions the workflow offers, each through the claims service,
two agents at once, and photos behind the API's own visibility check."""

from __future__ import annotations

import re

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from tests.support.admin_matrix import OPEN_TO_STAFF, check_matrix, db_state
from tests.support.claims_helpers import make_claim, make_fulfillment, make_photo
from warranty_api.claims.services import claim_message_post, claim_update
from warranty_api.models import (
    Claim,
    ClaimEvent,
    ClaimMessage,
    Fulfillment,
    Notification,
    Role,
    Visibility,
    WebhookDelivery,
)


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def review_url(claim_id: str) -> str:
    return f"/admin/claims/{claim_id}/"


def version_of(page: str) -> str:
    return re.search(r'name="version" value="([^"]+)"', page).group(1)


def act(client: Client, claim_id: str, action: str, *, version: str | None = None, **data):
    if version is None:
        version = version_of(client.get(review_url(claim_id)).content.decode())
    return client.post(review_url(claim_id), {"action": action, "version": version, **data})


def state():
    return db_state(Claim, ClaimEvent, ClaimMessage, Fulfillment, Notification, WebhookDelivery)


@pytest.fixture
def owner(tenant, make_customer):
    return make_customer(tenant, "buyer@example.com")


def test_the_screen_shows_the_claim_warranty_customer_timeline_and_photos(tenant, agent, owner):
    claim = make_claim(tenant, owner)
    photo = make_photo(tenant, owner, attached=True)
    photo.claim = claim
    photo.thumbnail.save("thumb.jpg", ContentFile(b"\xff\xd8\xff thumb"), save=False)
    photo.save()
    ClaimEvent.objects.create(tenant=tenant, claim=claim, actor=agent, kind=ClaimEvent.Kind.SUBMITTED,
                              to_status="submitted", visibility=Visibility.CUSTOMER)
    claim_update(claim_id=claim.id, tenant=tenant, actor=agent, admin_notes="Looks like a known batch issue")
    claim_update(claim_id=claim.id, tenant=tenant, actor=agent, message_to_customer="We are on it")

    page = _signed_in(agent).get(review_url(claim.id)).content.decode()
    assert claim.reference in page and "Slide release is stiff" in page
    assert claim.warranty.serial_number in page and "TP9 Elite SC" in page and "Full replacement" in page
    assert "buyer@example.com" in page and "John Smith" in page
    assert "Claim submitted" in page and "We are on it" in page
    # The internal note is in the timeline, marked internal.
    assert re.search(r'class="is-internal" data-timeline="notes_updated">.*?Internal</span>.*?Looks like a known batch',
                     page, re.S)
    assert f'src="/admin/claims/{claim.id}/photos/{photo.id}/?size=thumb"' in page


def test_the_buttons_follow_the_transition_table(tenant, agent, owner):
    client = _signed_in(agent)
    offered = {
        Claim.Status.SUBMITTED: {"take", "start_review", "request_info", "approve", "deny"},
        Claim.Status.UNDER_REVIEW: {"take", "request_info", "approve", "deny"},
        Claim.Status.INFO_REQUESTED: {"take", "deny"},
        Claim.Status.DENIED: {"take", "resolve"},
        Claim.Status.RESOLVED: {"take"},
    }
    for status, actions in offered.items():
        page = client.get(review_url(make_claim(tenant, owner, status=status).id)).content.decode()
        shown = set(re.findall(r'data-action="(\w+)"', page)) - {"assign", "message", "notes"}
        assert shown == actions, status


def test_resolve_waits_for_the_repair_with_the_reason_shown(tenant, agent, owner):
    claim = make_claim(tenant, owner, status=Claim.Status.APPROVED, resolution="repair")
    make_fulfillment(claim, Fulfillment.Kind.RETURN_AUTHORIZATION)
    repair = make_fulfillment(claim, Fulfillment.Kind.REPAIR)
    client = _signed_in(agent)
    page = client.get(review_url(claim.id)).content.decode()
    assert "The repair is not done yet (requested)" in page
    assert re.search(r'data-action="resolve".*?<button[^>]*disabled', page, re.S)
    before = state()
    response = act(client, claim.id, "resolve")
    assert response.status_code == 409 and "is not done yet" in response.content.decode()
    assert state() == before
    Fulfillment.objects.filter(id=repair.id).update(status=Fulfillment.Status.REPAIRED)
    assert act(client, claim.id, "resolve").status_code == 302
    assert Claim.objects.get(id=claim.id).status == Claim.Status.RESOLVED


def test_the_review_through_the_admin(tenant, agent, owner):
    claim = make_claim(tenant, owner)
    client = _signed_in(agent)

    assert act(client, claim.id, "take").status_code == 302
    assert Claim.objects.get(id=claim.id).assignee == agent
    assert act(client, claim.id, "start_review").status_code == 302

    before = state()
    refused = act(client, claim.id, "request_info", message="  ")
    assert refused.status_code == 400 and "Tell the customer what information you need" in refused.content.decode()
    assert state() == before

    assert act(client, claim.id, "request_info", message="Please send a photo of the slide").status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.INFO_REQUESTED
    assert Notification.objects.filter(kind="claim_info_requested").count() == 1
    # The customer's answer puts it back under review (the claims service, as the API's message endpoint does).
    claim_message_post(tenant=tenant, claim_id=claim.id, user=owner, body="Photo attached")

    before = state()
    refused = act(client, claim.id, "approve", resolution="teleport")
    assert refused.status_code == 422 and "coverage allows: repair, replacement, refund" in refused.content.decode()
    assert state() == before
    assert act(client, claim.id, "approve", resolution="repair", notify_customer="on").status_code == 302
    page = client.get(review_url(claim.id)).content.decode()
    assert "Approved with repair." in page
    assert re.search(r'data-rma>RMA-NORTHPEAK-\d{6}<', page)

    assert act(client, claim.id, "notes", admin_notes="Customer is a club armourer").status_code == 302
    assert act(client, claim.id, "message", message="Your repair is booked").status_code == 302
    kinds = list(ClaimEvent.objects.filter(claim=claim).values_list("kind", "visibility"))
    assert ("notes_updated", "internal") in kinds and ("message", "customer") in kinds
    assert Claim.objects.get(id=claim.id).admin_notes == "Customer is a club armourer"


def test_deny_needs_a_reason_shown_to_the_customer(tenant, agent, owner):
    claim = make_claim(tenant, owner)
    client = _signed_in(agent)
    before = state()
    assert act(client, claim.id, "deny", denial_reason="").status_code == 400
    assert state() == before
    assert act(client, claim.id, "deny", denial_reason="Damage from misuse", notify_customer="on").status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.DENIED and claim.denial_reason == "Damage from misuse"
    assert Notification.objects.filter(kind="claim_denied").exists()


def test_two_agents_at_once_one_wins_the_other_sees_the_fresh_state(tenant, agent, owner, make_staff):
    claim = make_claim(tenant, owner)
    second = make_staff(tenant, Role.AGENT)
    first_client, second_client = _signed_in(agent), _signed_in(second)
    first_version = version_of(first_client.get(review_url(claim.id)).content.decode())
    second_version = version_of(second_client.get(review_url(claim.id)).content.decode())
    assert first_version == second_version

    assert act(first_client, claim.id, "take", version=first_version).status_code == 302
    before = state()
    lost = act(second_client, claim.id, "request_info", version=second_version, message="What happened?")
    page = lost.content.decode()
    assert lost.status_code == 409
    assert "Someone changed this claim while you had it open" in page
    assert f"assigned to {agent.email}" in page
    # The fresh state, with what they typed kept for a second try.
    assert f'data-assignee>{agent.email}<' in page and "What happened?" in page
    assert version_of(page) != second_version
    assert state() == before
    assert act(second_client, claim.id, "request_info", version=version_of(page), message="What happened?").status_code == 302


def test_an_invalid_transition_posted_anyway_is_refused(tenant, agent, owner):
    claim = make_claim(tenant, owner, status=Claim.Status.RESOLVED)
    client = _signed_in(agent)
    before = state()
    response = act(client, claim.id, "approve", resolution="repair")
    assert response.status_code == 409 and "cannot become approved" in response.content.decode()
    assert act(client, claim.id, "no-such-action").status_code == 404
    assert client.post(review_url(claim.id), {"action": "take"}).status_code == 409  # no version: stale
    assert state() == before


def test_photos_go_through_the_apis_visibility_check(tenant, other_tenant, agent, owner, make_staff, make_customer):
    claim = make_claim(tenant, owner)
    photo = make_photo(tenant, owner, attached=True)
    photo.claim = claim
    photo.save()
    loose = make_photo(tenant, owner)  # an upload of the brand attached to no claim
    client = _signed_in(agent)
    response = client.get(f"/admin/claims/{claim.id}/photos/{photo.id}/")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert client.get(f"/admin/claims/{claim.id}/photos/{loose.id}/").status_code == 404
    foreign = _signed_in(make_staff(other_tenant, Role.ADMIN))
    assert foreign.get(f"/admin/claims/{claim.id}/photos/{photo.id}/").status_code == 404


def test_review_screen_authorization_table(admin_callers, tenant, owner):
    claim = make_claim(tenant, owner)
    check_matrix(admin_callers, {**OPEN_TO_STAFF, "other_admin": "not_found"},
                 act=lambda client, ctx: client.get(review_url(claim.id)), state=lambda ctx: state())


def test_photo_authorization_table(admin_callers, tenant, owner):
    claim = make_claim(tenant, owner)
    photo = make_photo(tenant, owner, attached=True)
    photo.claim = claim
    photo.save()
    check_matrix(admin_callers, {**OPEN_TO_STAFF, "other_admin": "not_found"},
                 act=lambda client, ctx: client.get(f"/admin/claims/{claim.id}/photos/{photo.id}/"),
                 state=lambda ctx: state())


def test_action_authorization_table(admin_callers, tenant, make_customer):
    def prepare(name):
        return make_claim(tenant, make_customer(tenant, f"{name}@example.com"))

    def start_review(client, claim):
        return client.post(review_url(claim.id), {"action": "start_review", "version": claim.updated_at.isoformat()})

    check_matrix(admin_callers, {**OPEN_TO_STAFF, "agent": "done", "admin": "done", "superuser": "done",
                                 "other_admin": "not_found"},
                 act=start_review, state=lambda claim: state(), prepare=prepare, writes_on={"done"})
    statuses = dict(Claim.objects.filter(tenant=tenant).values_list("submitted_by__email", "status"))
    assert {name for name, status in statuses.items() if status == Claim.Status.UNDER_REVIEW} == {
        "agent@example.com", "admin@example.com", "superuser@example.com"}


def test_a_superuser_outside_the_brands_staff_is_not_offered_to_take_it(admin_callers, tenant, owner):
    claim = make_claim(tenant, owner)
    page = admin_callers["superuser"].client.get(review_url(claim.id)).content.decode()
    assert 'data-action="take"' not in page and 'data-action="start_review"' in page
