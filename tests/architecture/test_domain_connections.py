"""A domain above another acts on it through the lower one's signal or rule list, connected in
`warranty_api.apps`; the connections hold once, however often the app is made ready."""

from __future__ import annotations

import pytest

from warranty_api.accounts import selectors as account_selectors
from warranty_api.accounts.signals import customer_email_confirmed
from warranty_api.apps import _connect_domains
from warranty_api.media import selectors as media_selectors
from warranty_api.notifications import selectors as notification_selectors
from warranty_api.verification.selectors import purchase_checks_in_trouble
from warranty_api.warranties.selectors import owned_warranty_count, receipts_of_owned_warranties
from warranty_api.warranties.signals import warranty_awaits_purchase_check


def test_each_connection_is_made_once_however_often_the_app_is_ready():
    _connect_domains()
    _connect_domains()

    assert len(warranty_awaits_purchase_check.receivers) == 1
    assert len(customer_email_confirmed.receivers) == 1
    assert media_selectors._CUSTOMER_PATHS.count(receipts_of_owned_warranties) == 1
    sources = notification_selectors._OUTBOX_SOURCES
    assert list(sources) == ["purchase_verification"]
    assert sources["purchase_verification"] is purchase_checks_in_trouble
    assert {"warranty_count": owned_warranty_count} == account_selectors._ACCOUNT_FIGURES


def test_the_outbox_takes_sources_of_its_own_kinds_only():
    with pytest.raises(ValueError, match="shipping_label"):
        notification_selectors.outbox_source_add("shipping_label", purchase_checks_in_trouble)
    assert "shipping_label" not in notification_selectors._OUTBOX_SOURCES
