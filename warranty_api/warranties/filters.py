"""The query parameters of the warranty operations (core/filters.py); warranties/selectors.py reads their values."""

from __future__ import annotations

import django_filters

from warranty_api.core.filters import CsvExportable, Paginated, QueryParameters, choices
from warranty_api.warranties.models import Warranty
from warranty_api.warranties.selectors import ADMIN_SORTS, STATUS_FILTERS


class CustomerWarrantyListParameters(Paginated):
    pass


class CertificateLinkParameters(QueryParameters):
    token = django_filters.CharFilter(required=True, help_text="The signed token of the email's link")


class AdminWarrantyListParameters(Paginated, CsvExportable):
    status = django_filters.ChoiceFilter(choices=choices(STATUS_FILTERS))
    product = django_filters.CharFilter(help_text="A product id (prd_...)")
    category = django_filters.CharFilter(help_text="A category slug")
    q = django_filters.CharFilter(help_text="Serial number prefix, or a customer's exact email")
    verification = django_filters.ChoiceFilter(choices=choices(Warranty.Verification.values))
    registered_from = django_filters.DateFilter(help_text="YYYY-MM-DD")
    registered_to = django_filters.DateFilter(help_text="YYYY-MM-DD")
    purchased_from = django_filters.DateFilter(help_text="YYYY-MM-DD")
    purchased_to = django_filters.DateFilter(help_text="YYYY-MM-DD")
    sort = django_filters.ChoiceFilter(choices=choices(ADMIN_SORTS), help_text="Default `-created_at`: newest first")
