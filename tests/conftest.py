"""Shared fixtures: tenants built through the real onboarding service, people of every role, API clients."""

from __future__ import annotations

import copy
import itertools
import os

import pytest
from rest_framework.test import APIClient

from tests.support.browser import chromium
from tests.support.webhook_receiver import INVENTORY_SECRET, Receiver
from warranty_api.accounts.tokens import tokens_issue
from warranty_api.models import Role, Tenant, User
from warranty_api.onboarding.config_file import validate_tenant_config
from warranty_api.onboarding.services import staff_create, tenant_config_apply

# The example of TENANT_CONFIG.md, which the brief's request examples are written against.
NORTHPEAK = {
    "slug": "northpeak",
    "name": "Northpeak Outdoor",
    "support_email": "care@northpeak.example",
    "branding": {"primary_color": "#0b5d3b", "accent_color": "#f2a900", "tagline": "Built for the long trail"},
    "registration": {
        "required_fields": ["phone", "address"],
        "extension_window_days": 30,
        "require_known_serial": False,
        "verification": "off",
    },
    "serial_formats": ["SN-[A-Z]{2}-[0-9]{6,8}"],
    "categories": [
        {
            "slug": "handguns",
            "name": "Handguns",
            "standard_months": 12,
            "extended_months": 24,
            "coverage": "full_replacement",
            "transferable": True,
        }
    ],
    "products": [
        {"sku": "TP9-ELITE-SC", "name": "TP9 Elite SC", "category": "handguns", "serial_pattern": "SN-CA-[0-9]{8}"}
    ],
    "serials": [{"serial_number": "SN-CA-20250115", "sku": "TP9-ELITE-SC", "manufactured_on": "2025-01-15"}],
    "claims": {
        "issue_types": [
            {"code": "malfunction", "label": "Malfunction"},
            {"code": "cosmetic", "label": "Cosmetic damage"},
        ],
        "resolutions": ["repair", "replacement", "refund"],
    },
    "staff": [{"email": "lead@northpeak.example", "role": "admin"}],
}

PASSWORD = "Correct-Horse-42"
_counter = itertools.count(1)


def tenant_config(slug: str = "northpeak", **overrides) -> dict:
    """A valid configuration file as a dict; `overrides` replace top-level keys."""
    data = copy.deepcopy(NORTHPEAK)
    data["slug"] = slug
    if slug != "northpeak":
        data["name"] = f"{slug.title()} Brand"
        data["staff"] = [{"email": f"lead@{slug}.example", "role": "admin"}]
    data.update(copy.deepcopy(overrides))
    return data


def load_tenant(data: dict) -> Tenant:
    spec, errors = validate_tenant_config(data)
    assert not errors, errors
    tenant_config_apply(spec)
    return Tenant.objects.get(slug=spec.slug)


@pytest.fixture
def make_tenant(db):
    def make(slug: str = "northpeak", **overrides) -> Tenant:
        return load_tenant(tenant_config(slug, **overrides))

    return make


@pytest.fixture
def tenant(make_tenant) -> Tenant:
    return make_tenant("northpeak")


@pytest.fixture
def other_tenant(make_tenant) -> Tenant:
    return make_tenant("southwind")


@pytest.fixture
def make_customer(db):
    def make(tenant: Tenant, email: str | None = None, *, verified: bool = True, password: str = PASSWORD) -> User:
        from django.utils import timezone

        email = (email or f"customer{next(_counter)}@example.com").lower()
        user = User(username=User.customer_username(tenant.id, email), email=email, tenant=tenant, full_name="Test Customer")
        user.set_password(password)
        user.email_verified_at = timezone.now() if verified else None
        user.save()
        return user

    return make


@pytest.fixture
def make_staff(db):
    def make(tenant: Tenant, role: str = Role.AGENT, email: str | None = None) -> User:
        email = email or f"{role}{next(_counter)}@{tenant.slug}.example"
        user, _ = staff_create(tenant=tenant, email=email, role=role, password=PASSWORD)
        return user

    return make


def client_for(user: User | None, tenant: Tenant | None = None, role: str | None = None) -> APIClient:
    """An API client; with a user, it carries a bearer token issued for `tenant`."""
    client = APIClient()
    if user is not None:
        from warranty_api.accounts.selectors import user_role

        role = role or user_role(user=user, tenant=tenant)
        tokens = tokens_issue(user=user, tenant=tenant, role=role)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    return client


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def actors(tenant, other_tenant, make_customer, make_staff) -> dict:
    """The seven callers of every authorization table (DESIGN.md), keyed by name.

    Each entry is (user or None, APIClient); the clients of other tenants carry tokens of *their* tenant.
    """
    customer = make_customer(tenant, "owner@example.com")
    other_customer = make_customer(tenant, "someone.else@example.com")
    foreign_customer = make_customer(other_tenant, "owner@example.com")
    agent = make_staff(tenant, Role.AGENT)
    admin = make_staff(tenant, Role.ADMIN)
    foreign_admin = make_staff(other_tenant, Role.ADMIN)
    return {
        "anonymous": (None, APIClient()),
        "customer": (customer, client_for(customer, tenant)),
        "other_customer": (other_customer, client_for(other_customer, tenant)),
        "other_tenant_customer": (foreign_customer, client_for(foreign_customer, other_tenant)),
        "agent": (agent, client_for(agent, tenant)),
        "admin": (admin, client_for(admin, tenant)),
        "other_tenant_admin": (foreign_admin, client_for(foreign_admin, other_tenant)),
    }


@pytest.fixture
def admin_callers(tenant, other_tenant, make_customer, make_staff) -> dict:
    """The six callers of an admin screen's authorization table (tests/support/admin_matrix.py)."""
    from tests.support.admin_matrix import make_admin_callers

    return make_admin_callers(tenant, other_tenant, make_customer, make_staff)


@pytest.fixture
def admin(tenant, make_staff) -> User:
    return make_staff(tenant, Role.ADMIN)


@pytest.fixture
def agent(tenant, make_staff) -> User:
    return make_staff(tenant, Role.AGENT)


@pytest.fixture
def admin_client(tenant, make_staff) -> APIClient:
    """The API as an admin of `tenant` (in place of pytest-django's client of a Django superuser)."""
    return client_for(make_staff(tenant, Role.ADMIN), tenant)


@pytest.fixture
def agent_client(tenant, make_staff) -> APIClient:
    return client_for(make_staff(tenant, Role.AGENT), tenant)


@pytest.fixture
def owner(tenant, make_customer) -> User:
    """The customer whose warranties a test registers."""
    return make_customer(tenant, "owner@example.com")


@pytest.fixture
def customer(owner) -> User:
    """The same person, for the tests that speak of them as the signed-in customer (claims, webhooks, sessions)."""
    return owner


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run what a request queued for after commit (emails, tasks), as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def lockout(settings):
    """The sign-in back-off the tests count against: five free failures, then 60 s doubling up to 15 min."""
    settings.AFTERSALE_LOGIN_BACKOFF = {"free_failures": 5, "base_seconds": 60, "max_seconds": 900}


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploads and generated files go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def receiver():
    """The brand's inventory system: a real HTTP server checking our signature with INVENTORY_SECRET."""
    server = Receiver(INVENTORY_SECRET).start()
    yield server
    server.stop()


@pytest.fixture
def browser(live_server, settings, tmp_path, monkeypatch):
    """A headless Chromium for a browser test (tests/support/browser.py): emailed links point at the live server,
    uploads go to a folder of the test's own."""
    settings.AFTERSALE_PUBLIC_BASE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path / "media"
    # Playwright's sync API keeps an event loop in this thread; the ORM calls a test makes between browser steps
    # are plain synchronous ones, which Django would otherwise refuse next to a loop.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with chromium() as instance:
        yield instance


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters and cached lookups live in the cache (Redis on CI): start every test clean."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (`CI` set) a browser test may not skip: a missing Chromium is a broken machine, not a pass."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("CI") and item.get_closest_marker("browser"):
        report.outcome = "failed"
        report.longrepr = f"browser test skipped in CI ({item.nodeid}); .ci/run installs Chromium when it is missing"


def pytest_configure(config):
    # The translated catalogs are compiled, as `make test` does, so a bare pytest run sees them too.
    from bin.compile_messages import compile_all

    compile_all()
