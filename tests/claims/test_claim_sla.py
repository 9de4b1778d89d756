"""Claim service levels: deadlines, states, the pause while waiting on the customer, the queue, one reminder, and the
cycle-time table. Time passing is simulated by moving a claim's clock back (every stored instant of it), never slept."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.conftest import client_for
from tests.support.claims_helpers import make_warranty
from warranty_api.claims.services import claim_message_post, claim_submit, claim_transition, claim_update
from warranty_api.claims.sla import sla_reminders_send
from warranty_api.models import Claim, Notification, NotificationKind, Role

H = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
_CLOCK = ["created_at", "first_response_due_at", "resolution_due_at", "sla_deadline", "sla_due_soon_at",
          "sla_paused_at", "first_responded_at", "decided_at", "resolved_at"]


def age(claim: Claim, by: datetime.timedelta) -> Claim:
    """The claim as if everything that happened to it happened `by` earlier."""
    claim.refresh_from_db()
    changes = {name: getattr(claim, name) - by for name in _CLOCK if getattr(claim, name) is not None}
    Claim.objects.filter(pk=claim.pk).update(**changes)
    claim.refresh_from_db()
    return claim


@pytest.fixture
def people(tenant, make_customer, make_staff):
    owner = make_customer(tenant, "owner@example.com")
    agent = make_staff(tenant, Role.AGENT)
    return {"owner": owner, "agent": agent, "staff": client_for(agent, tenant)}


def _file(tenant, owner) -> Claim:
    return claim_submit(tenant=tenant, user=owner, warranty_id=make_warranty(tenant, owner).id,
                        issue_type="malfunction", description="Broken")


def _staff_view(people, claim) -> dict:
    response = people["staff"].get(f"/api/northpeak/admin/claims/{claim.id}")
    assert response.status_code == 200
    return response.json()["data"]


def _state(people, claim) -> str:
    return _staff_view(people, claim)["sla_state"]


def test_a_new_claim_has_both_deadlines_from_the_brand_targets(tenant, people):
    tenant.sla_first_response_hours, tenant.sla_resolution_days = 8, 5
    tenant.save()
    claim = _file(tenant, people["owner"])
    view = _staff_view(people, claim)
    created = datetime.datetime.fromisoformat(view["created_at"])
    assert datetime.datetime.fromisoformat(view["first_response_due_at"]) == created + 8 * H
    assert datetime.datetime.fromisoformat(view["resolution_due_at"]) == created + 5 * DAY
    assert view["sla_state"] == "on_track" and view["first_responded_at"] is None


def test_on_track_then_due_soon_then_breached_without_an_answer(tenant, people):
    claim = _file(tenant, people["owner"])  # 24 hours to answer; due soon in its last quarter (6 hours)
    assert _state(people, age(claim, 17 * H)) == "on_track"
    assert _state(people, age(claim, 2 * H)) == "due_soon"
    assert _state(people, age(claim, 6 * H)) == "breached"


def test_an_answer_in_time_starts_the_resolution_clock(tenant, people):
    claim = age(_file(tenant, people["owner"]), 20 * H)
    claim_transition(claim_id=claim.id, tenant=tenant, actor=people["agent"], to_status="under_review")
    view = _staff_view(people, claim)
    assert view["first_responded_at"] is not None and view["sla_state"] == "on_track"
    claim.refresh_from_db()
    assert claim.sla_deadline == claim.resolution_due_at and not claim.sla_late


def test_a_staff_message_is_an_answer(tenant, people):
    claim = _file(tenant, people["owner"])
    claim_update(claim_id=claim.id, tenant=tenant, actor=people["agent"], message_to_customer="We are on it.")
    claim.refresh_from_db()
    assert claim.first_responded_at is not None and claim.sla_deadline == claim.resolution_due_at


def test_the_customer_writing_is_not_an_answer(tenant, people):
    claim = _file(tenant, people["owner"])
    claim_message_post(tenant=tenant, claim_id=claim.id, user=people["owner"], body="Any news?")
    claim.refresh_from_db()
    assert claim.first_responded_at is None


def test_a_late_answer_stays_breached_through_resolution(tenant, people):
    claim = age(_file(tenant, people["owner"]), 30 * H)
    for status in ("under_review", "denied", "resolved"):
        claim_transition(claim_id=claim.id, tenant=tenant, actor=people["agent"], to_status=status,
                         message_to_customer="Not covered" if status == "denied" else "")
    assert _state(people, claim) == "breached"


def test_closed_in_time_is_met(tenant, people):
    claim = _file(tenant, people["owner"])
    claim_transition(claim_id=claim.id, tenant=tenant, actor=people["agent"], to_status="denied",
                     message_to_customer="Not covered")
    claim.refresh_from_db()
    assert claim.decided_at is not None and claim.sla_deadline is None
    assert _state(people, claim) == "met"


def test_resolved_after_the_resolution_deadline_is_breached(tenant, people):
    claim = _file(tenant, people["owner"])
    claim_transition(claim_id=claim.id, tenant=tenant, actor=people["agent"], to_status="under_review")
    age(claim, 11 * DAY)
    claim_transition(claim_id=claim.id, tenant=tenant, actor=people["agent"], to_status="denied",
                     message_to_customer="Not covered")
    assert _state(people, claim) == "breached"


def test_waiting_on_the_customer_pauses_the_clock(tenant, people):
    claim = _file(tenant, people["owner"])
    claim_transition(claim_id=claim.id, tenant=tenant, actor=people["agent"], to_status="info_requested",
                     message_to_customer="Send a photo of the plate")
    claim = age(claim, 12 * DAY)  # the customer took twelve days: beyond the 10-day target, had the clock run
    assert _state(people, claim) == "on_track"
    due_before, paused_at = claim.resolution_due_at, claim.sla_paused_at
    before = timezone.now()
    claim_message_post(tenant=tenant, claim_id=claim.id, user=people["owner"], body="Here it is")
    after = timezone.now()
    claim.refresh_from_db()
    assert claim.status == "under_review" and claim.sla_paused_at is None
    # The deadline moved on by exactly the time spent waiting.
    assert before - paused_at <= claim.resolution_due_at - due_before <= after - paused_at
    assert _state(people, claim) == "on_track"


def test_the_queue_filters_and_sorts_by_service_level(tenant, people):
    fresh = _file(tenant, people["owner"])
    soon = age(_file(tenant, people["owner"]), 20 * H)
    late = age(_file(tenant, people["owner"]), 30 * H)
    done = _file(tenant, people["owner"])
    claim_transition(claim_id=done.id, tenant=tenant, actor=people["agent"], to_status="denied",
                     message_to_customer="Not covered")
    staff = people["staff"]

    def ids(**params):
        response = staff.get("/api/northpeak/admin/claims", params)
        assert response.status_code == 200, response.content
        return [c["id"] for c in response.json()["data"]]

    assert ids(sla_state="breached") == [late.id]
    assert ids(sla_state="due_soon") == [soon.id]
    assert ids(sla_state="on_track") == [fresh.id]
    assert ids(sla_state="met") == [done.id]
    assert set(ids(sla_state="breached,due_soon")) == {late.id, soon.id}
    assert ids(sort="sla_due_at") == [late.id, soon.id, fresh.id, done.id]
    # Page by page with the cursor, the closed claim (no deadline) last.
    seen, cursor = [], None
    while True:
        response = staff.get("/api/northpeak/admin/claims", {"sort": "sla_due_at", "limit": 1,
                                                              **({"cursor": cursor} if cursor else {})})
        meta = response.json()["meta"]
        seen += [c["id"] for c in response.json()["data"]]
        if not meta["has_more"]:
            break
        cursor = meta["next_cursor"]
    assert seen == [late.id, soon.id, fresh.id, done.id]
    assert staff.get("/api/northpeak/admin/claims", {"sla_state": "late"}).status_code == 400


def test_one_reminder_before_a_breach_to_the_assignee_or_the_support_address(tenant, people):
    assigned = _file(tenant, people["owner"])
    claim_update(claim_id=assigned.id, tenant=tenant, actor=people["agent"], assignee=people["agent"].public_id)
    unassigned = _file(tenant, people["owner"])
    untouched = _file(tenant, people["owner"])
    age(assigned, 19 * H)
    age(unassigned, 19 * H)
    assert sla_reminders_send() == 2
    assert sla_reminders_send() == 0  # once
    sent = Notification.objects.filter(kind=NotificationKind.CLAIM_SLA_REMINDER)
    assert sorted(sent.values_list("to_email", flat=True)) == sorted([people["agent"].email, tenant.support_email])
    assert not sent.filter(subject_ref=untouched.id).exists()
    # Answered: the resolution clock runs, and may take its own reminder when it is due soon.
    claim_transition(claim_id=assigned.id, tenant=tenant, actor=people["agent"], to_status="under_review")
    age(assigned, 8 * DAY)
    assert sla_reminders_send() == 1
    assert sent.filter(subject_ref=assigned.id).count() == 2


def test_a_breached_or_paused_claim_gets_no_reminder(tenant, people):
    age(_file(tenant, people["owner"]), 30 * H)
    paused = _file(tenant, people["owner"])
    claim_transition(claim_id=paused.id, tenant=tenant, actor=people["agent"], to_status="info_requested",
                     message_to_customer="Photo?")
    age(paused, 9 * DAY)
    assert sla_reminders_send() == 0


def test_customers_never_see_service_levels_or_risk(tenant, people):
    claim = _file(tenant, people["owner"])
    body = client_for(people["owner"], tenant).get(f"/api/northpeak/claims/{claim.id}").json()["data"]
    assert not {"sla_state", "risk", "first_response_due_at", "resolution_due_at"} & set(body)


# --- cycle times ---------------------------------------------------------------------------------------------


def _timed(tenant, owner, filed: datetime.datetime, *, responded=None, decided=None, resolved=None,
           status="submitted") -> Claim:
    claim = Claim.objects.create(tenant=tenant, warranty=make_warranty(tenant, owner), issue_type="malfunction",
                                 description="x", status=status)
    Claim.objects.filter(pk=claim.pk).update(
        created_at=filed, first_responded_at=responded and filed + responded, decided_at=decided and filed + decided,
        resolved_at=resolved and filed + resolved,
    )
    return claim


def test_cycle_times_by_week_as_computed_by_hand(tenant, people):
    owner = people["owner"]
    monday = datetime.datetime(2026, 11, 2, 9, tzinfo=datetime.UTC)  # ISO week 45
    _timed(tenant, owner, monday, responded=2 * H, decided=10 * H, resolved=50 * H, status="resolved")
    _timed(tenant, owner, monday + DAY, responded=4 * H, decided=20 * H, status="approved")
    _timed(tenant, owner, monday + 2 * DAY, responded=12 * H, status="under_review")
    _timed(tenant, owner, monday + 7 * DAY, responded=1 * H, status="under_review")  # week 46
    response = people["staff"].get("/api/northpeak/admin/analytics/claims",
                                   {"period": "week", "from": "2026-11-02", "to": "2026-11-15"})
    assert response.status_code == 200, response.content
    weeks = response.json()["data"]
    assert [w["period"] for w in weeks] == ["2026-W45", "2026-W46"]
    w45, w46 = weeks
    assert w45["claims"] == 3 and w45["counts"]["resolved"] == 1 and w45["counts"]["approved"] == 1
    assert w45["counts"]["under_review"] == 1 and w45["counts"]["submitted"] == 0
    # First response 2, 4, 12 h: p50 4; p90 at rank 0.9 * 2 = 1.8 -> 4 + 0.8 * (12 - 4) = 10.4.
    assert w45["time_to_first_response_hours"] == {"count": 3, "p50": 4.0, "p90": pytest.approx(10.4)}
    # Decisions 10 and 20 h: p50 15, p90 10 + 0.9 * 10 = 19.
    assert w45["time_to_decision_hours"] == {"count": 2, "p50": 15.0, "p90": pytest.approx(19.0)}
    assert w45["time_to_resolution_hours"] == {"count": 1, "p50": 50.0, "p90": 50.0}
    assert w46["time_to_first_response_hours"]["p50"] == 1.0 and w46["time_to_decision_hours"]["p50"] is None


def test_cycle_times_by_month_and_as_csv(tenant, people):
    owner = people["owner"]
    _timed(tenant, owner, datetime.datetime(2026, 10, 30, tzinfo=datetime.UTC), responded=3 * H)
    _timed(tenant, owner, datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC), responded=5 * H)
    params = {"period": "month", "from": "2026-10-01", "to": "2026-11-30"}
    months = people["staff"].get("/api/northpeak/admin/analytics/claims", params).json()["data"]
    assert [(m["period"], m["claims"]) for m in months] == [("2026-10", 1), ("2026-11", 1)]
    response = people["staff"].get("/api/northpeak/admin/analytics/claims", {**params, "format": "csv"})
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("period,start,claims,count_submitted")
    assert lines[1].startswith("2026-10,2026-10-01,1,1,") and len(lines) == 3


@pytest.mark.parametrize("params", [{"period": "day"}, {"from": "2026-11-31"}, {"from": "2026-11-10", "to": "2026-11-01"}])
def test_cycle_times_bad_parameters(people, params):
    response = people["staff"].get("/api/northpeak/admin/analytics/claims", params)
    assert response.status_code == 400 and response.json()["error"]["code"] == "validation_error"
