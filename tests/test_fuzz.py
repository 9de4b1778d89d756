"""Fuzzing every operation of our own OpenAPI schema: no input a client can send gets a 500 or leaves the envelope.

Two layers. Property-based tests (schemathesis + hypothesis) generate valid and invalid requests for every
operation from the schema drf-spectacular builds in-process, and send them through the Django WSGI application as
an anonymous caller, a customer and an admin of a real tenant; every answer must pass every check of schemathesis
(`--checks all`: statuses, content types, headers and bodies as documented, auth as marked, valid data accepted,
invalid data refused), so the schema stays the truth. A plain parametrized test then sends hand-picked hostile
bodies to every POST/PUT/PATCH and hostile query strings to every GET.

The examples per operation are bounded and derandomized so the file stays quick and repeatable;
FUZZ_EXAMPLES=200 digs deeper.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from pathlib import Path

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, is_check_class, load_all_checks
from schemathesis.config import SchemathesisConfig

from tests.conftest import PASSWORD, load_tenant, tenant_config
from tests.support.claims_helpers import make_claim, make_fulfillment, make_photo
from warranty_api.accounts.tokens import tokens_issue
from warranty_api.models import Fulfillment, Role, User
from warranty_api.onboarding.services import staff_create

SLUG = "fuzzco"
ROLES = ("anonymous", "customer", "admin")
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))


def _openapi() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


OPENAPI = _openapi()
# schemathesis.toml (at the project root, read by `st run` too) says which refusals a valid request may meet.
SCHEMA = schemathesis.openapi.from_dict(
    OPENAPI, config=SchemathesisConfig.from_path(Path(__file__).resolve().parent.parent / "schemathesis.toml")
)
load_all_checks()
SCHEMATHESIS_CHECKS = [check for check in CHECKS.get_all() if not is_check_class(check)]
OPERATIONS = {
    f"{op.method.upper()} {op.path}": op
    for op in (result.ok() for result in SCHEMA.get_all_operations())
}
WRITE_OPERATIONS = sorted(label for label in OPERATIONS if label.split()[0] in {"POST", "PUT", "PATCH"})
READ_OPERATIONS = sorted(label for label in OPERATIONS if label.startswith("GET "))


# --- the world the requests land in --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One tenant with a customer, staff and a claim, built once for the module and rolled back after it.

    Each test still runs in its own savepoint (the `db` fixture), so what one operation's examples write is gone
    before the next operation runs.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        tenant = load_tenant(tenant_config(SLUG))
        customer = User(username=User.customer_username(tenant.id, "fuzz@example.com"), email="fuzz@example.com",
                        tenant=tenant, full_name="Fuzz Customer")
        customer.set_password(PASSWORD)
        customer.save()
        admin, _ = staff_create(tenant=tenant, email="admin@fuzzco.example", role=Role.ADMIN, password=PASSWORD)
        agent, _ = staff_create(tenant=tenant, email="agent@fuzzco.example", role=Role.AGENT, password=PASSWORD)
        claim = make_claim(tenant, customer)
        fulfillment = make_fulfillment(claim, Fulfillment.Kind.RETURN_AUTHORIZATION)
        photo = make_photo(tenant, customer)
        tokens = {
            "anonymous": None,
            "customer": tokens_issue(user=customer, tenant=tenant, role="customer"),
            "admin": tokens_issue(user=admin, tenant=tenant, role="admin"),
        }
        ids = {
            "tenant": SLUG,
            "claim_id": claim.id,
            "warranty_id": claim.warranty_id,
            "fulfillment_id": fulfillment.id,
            "media_id": photo.id,
            "user_id": agent.public_id,
        }
        yield {"tenant": tenant, "tokens": tokens, "ids": ids}
        transaction.set_rollback(True)


def _real_path_parameters(path: str, ids: dict) -> dict:
    names = re.findall(r"{(\w+)}", path)
    return {name: ids[name] for name in names if name in ids}


def _headers(world, role: str) -> dict:
    tokens = world["tokens"][role]
    return {"Authorization": f"Bearer {tokens['access']}"} if tokens else {}


def _wsgi_app():
    """Django's WSGI application, minus the per-request connection recycling a test transaction cannot survive.

    (Django's own test client does the same: closing the connection would end the test's transaction.)
    """
    handler = WSGIHandler()

    def app(environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = handler(environ, start_response)
            body = b"".join(response)
            if hasattr(response, "close"):
                response.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        return [body]

    return app


APP = _wsgi_app()
SCHEMA.app = APP  # the checks that send probes of their own (ignored_auth, ...) send them here too


# --- what every answer must look like --------------------------------------------------------------------------------


def assert_contract(label: str, status: int, content_type: str, body: bytes, documented: set[str] | None = None):
    """API.md: never a 500 from client input; every error in the envelope; every JSON success under `data`."""
    where = f"{label} answered {status}: {body[:500]!r}"
    assert status < 500, where
    if status >= 400:
        assert content_type.startswith("application/json"), where
        payload = json.loads(body)
        assert isinstance(payload, dict) and set(payload) == {"error"}, where
        error = payload["error"]
        assert isinstance(error.get("code"), str) and re.fullmatch(r"[a-z][a-z0-9_]*", error["code"]), where
        assert isinstance(error.get("message"), str) and error["message"], where
        if "fields" in error:
            assert isinstance(error["fields"], dict) and error["fields"], where
            for name, problems in error["fields"].items():
                assert isinstance(name, str) and isinstance(problems, list) and problems, where
                for problem in problems:
                    assert isinstance(problem.get("code"), str) and isinstance(problem.get("message"), str), where
    elif 200 <= status < 300:
        if documented and any(code.startswith("2") for code in documented):
            assert str(status) in documented, f"{where} (documented: {sorted(documented)})"
        # Health answers its own report (monitors read `status` at the top); everything else is enveloped.
        if status != 204 and content_type.startswith("application/json") and "/api/health" not in label:
            payload = json.loads(body)
            assert isinstance(payload, dict) and "data" in payload, where


# --- property-based: every operation x every caller -------------------------------------------------------------------


def _case_strategy(operation, ids: dict):
    """Valid and invalid requests; path parameters are mostly the real tenant and real objects."""
    real = _real_path_parameters(operation.path, ids)
    tenant_only = {"tenant": ids["tenant"]} if "tenant" in real else {}
    # Weights by repetition: mostly real ids, sometimes generated ones under the real tenant, rarely all generated.
    choices = [real] * 6 + [tenant_only] * 3 + [{}]

    def for_parameters(parameters):
        modes = [operation.as_strategy(GenerationMode.POSITIVE, path_parameters=parameters)]
        # An operation without inputs has no invalid form.
        with contextlib.suppress(Exception):
            modes.append(operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=parameters))
        return st.one_of(modes)

    return st.sampled_from(choices).flatmap(for_parameters)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_fuzz_operation(label, role, world, db):
    from django.core.cache import cache

    operation = OPERATIONS[label]
    documented = set(operation.responses.status_codes)
    headers = _headers(world, role)

    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_case_strategy(operation, world["ids"]))
    def run(case):
        cache.clear()  # throttle counters: each example starts with a fresh allowance
        # Each example in its own savepoint: one example's writes (a deactivated admin, say) do not steer the next.
        with transaction.atomic():
            response = case.call(app=APP, headers=headers)
            # Every check of schemathesis (`--checks all`); some send probes of their own (without the token, ...).
            case.validate_response(response, checks=SCHEMATHESIS_CHECKS, headers=headers,
                                   transport_kwargs={"app": APP, "headers": headers})
            transaction.set_rollback(True)
        assert_contract(
            f"{case.method} {case.formatted_path}",
            response.status_code,
            (response.headers.get("content-type") or [""])[0],
            response.content,
            documented,
        )

    run()


# --- hand-picked hostile requests ------------------------------------------------------------------------------------

BIG = 13 * 1024 * 1024
DEPTH = 10_000


def _every_field(label: str, value) -> bytes:
    """A JSON object setting every field the operation's request body declares to `value`."""
    operation = OPENAPI["paths"][label.split(" ", 1)[1]][label.split(" ", 1)[0].lower()]
    content = operation.get("requestBody", {}).get("content", {})
    schema = (content.get("application/json") or next(iter(content.values()), {})).get("schema", {})
    if "$ref" in schema:
        schema = OPENAPI["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    names = list(schema.get("properties", {})) or ["anything"]
    return ("{" + ", ".join(f"{json.dumps(name)}: {value}" for name in names) + "}").encode()


# name -> (content type, body, or a callable of the operation's label giving the body)
HOSTILE_BODIES = {
    "invalid_json": ("application/json", b'{"email": '),
    "json_array": ("application/json", b'[{"email": "a@example.com"}]'),
    "json_string": ("application/json", b'"hello"'),
    "json_number": ("application/json", b"42"),
    "json_null": ("application/json", b"null"),
    "nested_objects": ("application/json", b'{"a": ' * DEPTH + b"1" + b"}" * DEPTH),
    "nested_arrays": ("application/json", b"[" * DEPTH + b"]" * DEPTH),
    "nested_in_every_field": ("application/json", lambda label: _every_field(label, "[" * 900 + "]" * 900)),
    "huge_float": ("application/json", lambda label: _every_field(label, "1e999999")),
    "huge_integer": ("application/json", lambda label: _every_field(label, "9" * 5000)),
    "big_integer": ("application/json", lambda label: _every_field(label, str(2**70))),
    "negative_integer": ("application/json", lambda label: _every_field(label, "-1")),
    "nan": ("application/json", lambda label: _every_field(label, "NaN")),
    "nul_byte": ("application/json", lambda label: _every_field(label, '"a\\u0000b"')),
    "lone_surrogate": ("application/json", lambda label: _every_field(label, '"\\ud800"')),
    "long_string": ("application/json", lambda label: _every_field(label, json.dumps("x" * 100_000))),
    "object_values": ("application/json", lambda label: _every_field(label, '{"a": 1}')),
    "list_values": ("application/json", lambda label: _every_field(label, '["a", 1, null]')),
    "bool_values": ("application/json", lambda label: _every_field(label, "true")),
    "null_values": ("application/json", lambda label: _every_field(label, "null")),
    "nul_key": ("application/json", b'{"a\\u0000": 1}'),
    "surrogate_key": ("application/json", b'{"\\udfff": 1}'),
    "invalid_utf8": ("application/json", b'{"email": "\xff\xfe"}'),
    "empty_body": ("application/json", b""),
    "text_plain": ("text/plain", b"hello"),
    "xml": ("application/xml", b"<a>1</a>"),
    "form_urlencoded": ("application/x-www-form-urlencoded", b"email=a%40example.com&email=b"),
    "multipart_without_boundary": ("multipart/form-data", b"--x\r\n\r\n"),
    "multipart_garbage": ("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data\r\n\r\nz\r\n"),
    "no_content_type": ("", b'{"email": "a@example.com"}'),
    "13_mb": ("application/json", b'{"description": "' + b"x" * BIG + b'"}'),
}

HOSTILE_QUERIES = {
    "limit_negative": "limit=-1",
    "limit_zero": "limit=0",
    "limit_text": "limit=abc",
    "limit_huge": "limit=" + "9" * 40,
    "limit_float": "limit=1.5",
    "limit_twice": "limit=1&limit=2",
    "cursor_nul": "cursor=%00",
    "cursor_garbage": "cursor=" + "Zm9vYmFy%3D%3D" * 400,
    "cursor_base64_junk": "cursor=cD0yMDI0LTAyLTMwJnI9MQ%3D%3D",
    "unknown_params": "unknown=1&__proto__=x&include_total=maybe",
    "date_feb_30": "created_after=2024-02-30&created_before=2024-02-30",
    "date_garbage": "created_after=not-a-date&created_before=%00",
    "date_far": "created_after=0001-01-01&created_before=9999-12-31",
    "date_far_reversed": "created_after=9999-12-31&created_before=0001-01-01",
    "older_than_days_huge": "older_than_days=" + "9" * 30,
    "older_than_days_unicode_digit": "older_than_days=%C2%B2",
    "nul_everywhere": None,  # every declared query parameter set to %00
    "invalid_utf8_everywhere": None,  # ... to bytes that are not UTF-8
    "long_everywhere": None,  # ... to 5,000 characters
    "surrogate_everywhere": None,  # ... to a UTF-8-encoded lone surrogate
}

_FILLERS = {
    "nul_everywhere": "%00",
    "invalid_utf8_everywhere": "%FF%FE",
    "long_everywhere": "a" * 5000,
    "surrogate_everywhere": "%ED%A0%80",
}


def _url(label: str, ids: dict) -> str:
    return re.sub(r"{(\w+)}", lambda m: ids.get(m.group(1), "nope"), label.split(" ", 1)[1])


def _query(label: str, name: str) -> str:
    if HOSTILE_QUERIES[name] is not None:
        return HOSTILE_QUERIES[name]
    operation = OPENAPI["paths"][label.split(" ", 1)[1]]["get"]
    names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"] or ["q"]
    return "&".join(f"{n}={_FILLERS[name]}" for n in names)


def _client(world, role: str) -> APIClient:
    client = APIClient(raise_request_exception=False)
    headers = _headers(world, role)
    if headers:
        client.credentials(HTTP_AUTHORIZATION=headers["Authorization"])
    return client


@pytest.mark.parametrize("body_name", sorted(HOSTILE_BODIES))
@pytest.mark.parametrize("label", WRITE_OPERATIONS)
def test_hostile_body(label, body_name, world, db):
    content_type, body = HOSTILE_BODIES[body_name]
    if callable(body):
        body = body(label)
    method, url = label.split(" ", 1)[0], _url(label, world["ids"])
    for role in ("customer", "admin"):
        with transaction.atomic():
            response = _client(world, role).generic(method, url, body, content_type=content_type)
            transaction.set_rollback(True)
        assert_contract(f"{label} as {role} with {body_name}", response.status_code,
                        response.get("Content-Type", ""), response.content)


@pytest.mark.parametrize("query_name", sorted(HOSTILE_QUERIES))
@pytest.mark.parametrize("label", READ_OPERATIONS)
def test_hostile_query(label, query_name, world, db):
    url = _url(label, world["ids"]) + "?" + _query(label, query_name)
    for role in ("customer", "admin"):
        with transaction.atomic():
            response = _client(world, role).get(url)
            transaction.set_rollback(True)
        body = b"" if response.streaming else response.content
        assert_contract(f"GET {url[:200]} as {role}", response.status_code, response.get("Content-Type", ""), body)


PATH_OPERATIONS = sorted(label for label in OPERATIONS if "{" in label)


@pytest.mark.parametrize("value", ["%00", "%FF%FE", "%ED%A0%80", "a" * 3000, "..", "%2F"])
@pytest.mark.parametrize("label", PATH_OPERATIONS)
def test_hostile_path_parameters(label, value, world, db):
    """Each path parameter in turn (the tenant too) replaced by something no id or slug is."""
    method, path = label.split(" ", 1)
    for name in re.findall(r"{(\w+)}", path):
        url = _url(label, {**world["ids"], name: value})
        response = _client(world, "admin").generic(method, url, b"{}", content_type="application/json")
        body = b"" if response.streaming else response.content
        assert_contract(f"{method} {url[:200]} ({name})", response.status_code, response.get("Content-Type", ""), body)
