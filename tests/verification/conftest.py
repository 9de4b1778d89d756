"""The verification tests' Shopify: a real HTTP server on 127.0.0.1 (tests/support/fake_shopify.py)."""

from __future__ import annotations

import pytest

from tests.support.fake_shopify import FakeShopify


@pytest.fixture
def fake():
    server = FakeShopify().start()
    yield server
    server.stop()
