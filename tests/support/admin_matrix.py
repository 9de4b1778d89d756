"""Authorization tables for the staff workspace's screens in Wagtail's admin.

Six callers (anonymous, customer, agent, admin, other brand's admin, platform superuser), each a Django test
client signed in by session as Wagtail's admin sees people. Each row of a table says what the caller gets, as an
outcome name rather than a bare status, because Wagtail answers refusals with redirects:

    ok         200: the screen
    login      302 to the sign-in page (not signed in, or an account that may not enter the admin at all)
    denied     302 to the dashboard with Wagtail's "no permission" message (signed in, the role does not cover it)
    not_found  404 (another brand's object, or no such object)
    done       302 elsewhere: an action that went through and sent the person back to a screen
    status N   anything else

and after each caller's request the database is compared with before: nothing may change unless the caller's
outcome is listed in `writes_on` (an action's success).

Use:

    from tests.support.admin_matrix import check_matrix, db_state

    def test_queue_authorization(admin_callers, tenant):
        check_matrix(
            admin_callers,
            {"anonymous": "login", "customer": "login", "agent": "ok", "admin": "ok", "other_admin": "ok",
             "superuser": "ok"},
            act=lambda client, ctx: client.get("/admin/claims/"),
            state=lambda ctx: db_state(Claim),
        )

`admin_callers` is a fixture of `tests/conftest.py` built by `make_admin_callers`: the staff callers of
`tenant` and the superuser have `tenant` as their current brand; `other_admin` is an admin of `other_tenant` only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.test import Client

from warranty_api.models import Role, Tenant, User

CALLERS = ("anonymous", "customer", "agent", "admin", "other_admin", "superuser")
# What an unchanging screen answers, for the common case of a brand's own screen open to both roles.
OPEN_TO_STAFF = {"anonymous": "login", "customer": "login", "agent": "ok", "admin": "ok", "other_admin": "ok",
                 "superuser": "ok"}
ADMINS_ONLY = {**OPEN_TO_STAFF, "agent": "denied"}


@dataclass
class Caller:
    name: str
    user: User | None
    client: Client


def use_brand(client: Client, tenant: Tenant) -> None:
    """Make `tenant` the client's current brand, through the brand switch as a person would."""
    response = client.post("/admin/workspace/brand/", {"brand": tenant.slug})
    assert response.status_code == 302, response


def make_admin_callers(tenant: Tenant, other_tenant: Tenant, make_customer, make_staff) -> dict[str, Caller]:
    customer = make_customer(tenant, "owner@example.com")
    agent = make_staff(tenant, Role.AGENT)
    admin = make_staff(tenant, Role.ADMIN)
    other_admin = make_staff(other_tenant, Role.ADMIN)
    root = User.objects.create_superuser(username="root@aftersale.example", email="root@aftersale.example",
                                         password="Root-password-42")
    callers = {"anonymous": Caller("anonymous", None, Client())}
    for name, user in (("customer", customer), ("agent", agent), ("admin", admin), ("other_admin", other_admin),
                       ("superuser", root)):
        client = Client()
        client.force_login(user)
        callers[name] = Caller(name, user, client)
    use_brand(callers["superuser"].client, tenant)
    return callers


def outcome(response) -> str:
    if response.status_code == 200:
        return "ok"
    if response.status_code == 404:
        return "not_found"
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith("/admin/login/"):
            return "login"
        if location == "/admin/":
            return "denied"
        return "done"
    return f"status {response.status_code}"


def db_state(*model_classes: type[models.Model]) -> dict[str, list[tuple]]:
    """Every row of these tables, in key order: equal before and after means nothing was written to them."""
    return {
        model._meta.label: [tuple(row.values()) for row in model._default_manager.order_by("pk").values()]
        for model in model_classes
    }


def check_matrix(
    callers: dict[str, Caller],
    expected: dict[str, str],
    *,
    act: Callable[[Client, Any], Any],
    state: Callable[[Any], Any],
    prepare: Callable[[str], Any] | None = None,
    writes_on: frozenset[str] | set[str] = frozenset(),
) -> None:
    """Run `act` for every caller in `expected` and check its outcome and, unless the outcome is in `writes_on`,
    that `state` did not change. `prepare(name)`, when given, makes a fresh context (a claim, say) per caller."""
    assert set(expected) == set(CALLERS), f"a table names all six callers, not {sorted(expected)}"
    failures = []
    for name in CALLERS:
        context = prepare(name) if prepare else None
        before = state(context)
        response = act(callers[name].client, context)
        got = outcome(response)
        if got != expected[name]:
            failures.append(f"{name}: expected {expected[name]}, got {got}")
            continue
        if got not in writes_on and state(context) != before:
            failures.append(f"{name}: {got}, but the data changed")
    assert not failures, "; ".join(failures)
