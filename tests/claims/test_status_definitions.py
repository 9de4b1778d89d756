"""Every copy of the claim statuses follows `Claim.Status`: /api/config and the one-open-claim constraint."""

from __future__ import annotations

from warranty_api.claims.models import Claim
from warranty_api.system_views import CLAIM_STATUSES


def test_the_config_lists_the_models_statuses_in_order():
    assert CLAIM_STATUSES == ["submitted", "under_review", "info_requested", "approved", "denied", "resolved"]
    assert [status.value for status in Claim.Status] == CLAIM_STATUSES


def test_the_one_open_claim_constraint_covers_exactly_the_open_statuses():
    # The constraint's condition is a literal in Meta (a migration renders it); this holds it to the model.
    (constraint,) = [c for c in Claim._meta.constraints if c.name == "claim_one_open_per_warranty"]
    ((lookup, statuses),) = constraint.condition.children
    assert lookup == "status__in"
    assert list(statuses) == [status.value for status in Claim.OPEN_STATUSES]
    assert set(Claim.Status) == set(Claim.ALLOWED_TRANSITIONS)
