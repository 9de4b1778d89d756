"""The query parameters of the claims lists (core/filters.py); claims/selectors.py reads their values."""

from __future__ import annotations

import django_filters

from warranty_api.claims.models import Claim, Fulfillment
from warranty_api.claims.risk import LEVELS as RISK_LEVELS
from warranty_api.claims.selectors import ADMIN_SORTS
from warranty_api.claims.sla import STATES as SLA_STATES
from warranty_api.core.filters import CommaSeparated, CommaSeparatedChoices, CsvExportable, Paginated, choices


class CustomerClaimListParameters(Paginated):
    pass


class ClaimQueueParameters(Paginated, CsvExportable):
    status = CommaSeparatedChoices(choices=choices(Claim.Status.values), help_text="One or more statuses, comma separated")
    issue_type = CommaSeparated(help_text="One or more of the brand's issue types, comma separated")
    resolution = CommaSeparated(help_text="One or more of the brand's resolutions, comma separated")
    product = django_filters.CharFilter(help_text="A product id (prd_...)")
    category = django_filters.CharFilter(help_text="A category slug")
    assignee = django_filters.CharFilter(help_text="A staff user id (usr_...), `me` or `none`")
    created_after = django_filters.DateFilter(help_text="YYYY-MM-DD, inclusive")
    created_before = django_filters.DateFilter(help_text="YYYY-MM-DD, inclusive")
    older_than_days = django_filters.NumberFilter(help_text="Only claims filed more than N days ago")
    has_photos = django_filters.BooleanFilter(help_text="Only claims with (true) or without (false) photos")
    q = django_filters.CharFilter(
        help_text="A claim id, a claim reference (RI-1001), a serial number or a customer email (exact)")
    sla_state = CommaSeparatedChoices(choices=choices(SLA_STATES), help_text="One or more service-level states, comma separated")
    risk_level = CommaSeparatedChoices(choices=choices(RISK_LEVELS), help_text="One or more risk levels, comma separated")
    sort = django_filters.ChoiceFilter(choices=choices(ADMIN_SORTS), help_text="Default `created_at`: oldest first")


class FulfillmentListParameters(Paginated):
    status = CommaSeparatedChoices(choices=choices(Fulfillment.Status.values), help_text="One or more, comma separated")
    kind = CommaSeparatedChoices(choices=choices(Fulfillment.Kind.values), help_text="One or more, comma separated")
    claim = django_filters.CharFilter(help_text="A claim id (clm_...)")
    rma_number = django_filters.CharFilter(help_text="A return authorization number, exact")
