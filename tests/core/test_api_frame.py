"""The API frame: the error envelope on every failure path, health, configuration, aliases."""

import pytest
from django.test import override_settings
from django.urls import path
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

import site_aftersale.urls as root_urls


def assert_error(response, status: int, code: str):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


@pytest.mark.django_db
def test_unknown_tenant_is_tenant_not_found_on_every_path(api):
    for url in ("/api/nobody/products", "/api/nobody/no-such-thing", "/api/p/nobody/warranties", "/nobody/aftersale/api/products"):
        assert_error(api.get(url), 404, "tenant_not_found")
        assert_error(api.post(url, {}, format="json"), 404, "tenant_not_found")


def test_unknown_path_is_enveloped_404(api, tenant):
    assert_error(api.get("/api/northpeak/no-such-thing"), 404, "not_found")
    assert_error(api.get("/api/northpeak/products/extra/segments"), 404, "not_found")


def test_wrong_method_is_enveloped_405(api, tenant):
    assert_error(api.delete("/api/northpeak/products"), 405, "method_not_allowed")
    assert_error(api.post("/api/health", {}, format="json"), 405, "method_not_allowed")


def test_bad_json_is_invalid_json(api, tenant):
    # A throwaway view that parses a body, so the test does not depend on any one endpoint's rules.
    class Echo(APIView):
        authentication_classes: list = []
        permission_classes: list = []

        def post(self, request, tenant):
            return Response({"data": request.data})

    patterns = [path("api/<str:tenant>/echo", Echo.as_view()), *root_urls.urlpatterns]
    with override_settings(ROOT_URLCONF=type("U", (), {"urlpatterns": patterns})):
        response = api.generic("POST", "/api/northpeak/echo", '{"serial_number": ', content_type="application/json")
    assert_error(response, 400, "invalid_json")


def test_server_fault_is_internal_error_without_a_trace(tenant):
    class Boom(APIView):
        authentication_classes: list = []
        permission_classes: list = []

        def get(self, request, tenant):
            raise RuntimeError("secret stack detail")

    from django.test import Client

    patterns = [path("api/<str:tenant>/boom", Boom.as_view()), *root_urls.urlpatterns]
    with override_settings(ROOT_URLCONF=type("U", (), {"urlpatterns": patterns})):
        client = Client(raise_request_exception=False)
        response = client.get("/api/northpeak/boom")
    error = assert_error(response, 500, "internal_error")
    assert "secret" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert error["message"]


@pytest.mark.django_db
def test_health_reports_database_and_queue(api):
    response = api.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    assert "task_queue" in body["checks"]


def test_health_is_503_when_the_database_is_unreachable():
    """A real process whose DATABASE_URL points at a port where nothing listens."""
    import json
    import os
    import subprocess
    import sys

    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/api/health');"
        "print(json.dumps({'status': r.status_code, 'body': r.json()}))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "site_aftersale.settings.test",
           "DATABASE_URL": "postgres://nobody@127.0.0.1:9/none", "REDIS_URL": ""}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["status"] == 503
    assert result["body"]["status"] == "unavailable"
    assert result["body"]["checks"]["database"]["status"] == "error"


def test_global_config(api, db):
    data = api.get("/api/config").json()["data"]
    assert data["api_version"] == "1"
    assert data["enumerations"]["coverage"] == ["full_replacement", "repair", "limited"]
    assert "info_requested" in data["enumerations"]["claim_status"]
    assert data["limits"]["upload_max_bytes"] == 10 * 1024 * 1024


def test_tenant_config_is_public_and_tenant_specific(api, tenant, other_tenant):
    data = api.get("/api/northpeak/config").json()["data"]
    assert data["name"] == "Northpeak Outdoor"
    assert data["branding"]["primary_color"] == "#0b5d3b"
    assert data["registration"]["required_fields"] == ["phone", "address"]
    assert data["serial_format_hint"] == "SN-AA-000000"
    assert [i["code"] for i in data["issue_types"]] == ["malfunction", "cosmetic"]
    assert data["resolutions"] == ["repair", "replacement", "refund"]
    assert api.get("/api/southwind/config").json()["data"]["name"] == "Southwind Brand"


def test_alias_path_serves_the_same_resource(api, tenant):
    canonical = api.get("/api/northpeak/config").json()
    alias = api.get("/northpeak/aftersale/api/config").json()
    assert alias == canonical


def test_schema_validates_and_docs_are_self_hosted(api, db):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
    docs = api.get("/api/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html
    schema = api.get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200


LOGIN = "/api/northpeak/auth/login"


@pytest.mark.parametrize(
    "body",
    [b'{"email": ' * 10_000 + b'"a"' + b"}" * 10_000, b"[" * 10_000 + b"]" * 10_000, b'{"a": ' * 40 + b"1" + b"}" * 40],
    ids=["10000_objects", "10000_arrays", "40_objects"],
)
def test_body_nested_too_deeply_is_invalid_json(api, tenant, body):
    error = assert_error(api.generic("POST", LOGIN, body, content_type="application/json"), 400, "invalid_json")
    assert "nested" in error["message"]


@pytest.mark.parametrize("body", [b'{"email": "\\ud800", "password": "x"}', b'{"\\udfff": 1}'], ids=["value", "key"])
def test_lone_surrogate_is_invalid_json(api, tenant, body):
    assert_error(api.generic("POST", LOGIN, body, content_type="application/json"), 400, "invalid_json")


def test_nul_in_a_body_string_is_a_field_error(api, tenant):
    body = b'{"email": "a\\u0000@example.com", "password": "x"}'
    error = assert_error(api.generic("POST", LOGIN, body, content_type="application/json"), 400, "validation_error")
    assert error["fields"]["email"][0]["code"] == "invalid_character"


@pytest.mark.parametrize("value", ["0", "12.5", "-1e3", "true", "[]", "{}"])
def test_a_number_for_a_text_field_is_a_field_error(api, tenant, value):
    """The schema says `string`: a number is refused like a list is, not read as its digits (DRF's default)."""
    body = b'{"email": ' + value.encode() + b"}"
    response = api.generic("POST", "/api/northpeak/auth/forgot-password", body, content_type="application/json")
    error = assert_error(response, 400, "validation_error")
    assert error["fields"]["email"][0]["code"] == "invalid"


def test_json_endpoints_refuse_form_bodies(api, tenant):
    """API.md: bodies are JSON; only the upload endpoints take multipart/form-data."""
    for fmt in ("multipart", None):
        kwargs = {"format": fmt} if fmt else {"content_type": "application/x-www-form-urlencoded"}
        data = {"email": "a@example.com", "password": "x"} if fmt else "email=a%40example.com&password=x"
        assert_error(api.post(LOGIN, data, **kwargs), 415, "unsupported_media_type")


def test_nul_in_a_query_parameter_is_a_field_error(api, tenant):
    error = assert_error(api.get("/api/northpeak/products?search=a%00b"), 400, "validation_error")
    assert error["fields"]["search"][0]["code"] == "invalid_character"


def test_nul_in_the_path_is_not_found(api, tenant):
    assert_error(api.get("/api/northpeak/media/media_%00"), 404, "not_found")
    assert_error(api.get("/api/north%00peak/products"), 404, "not_found")


@pytest.mark.parametrize("position", ["2024-02-30", "not-a-date", "a\x00b"])
def test_hand_made_cursor_is_a_field_error(tenant, make_customer, position):
    import base64
    from urllib.parse import quote, urlencode

    from tests.conftest import client_for

    customer = make_customer(tenant)
    cursor = base64.b64encode(urlencode({"p": position, "r": "0"}).encode()).decode()
    response = client_for(customer, tenant).get(f"/api/northpeak/claims?cursor={quote(cursor)}")
    assert assert_error(response, 400, "validation_error")["fields"]["cursor"][0]["code"] == "invalid"


@pytest.mark.parametrize(
    "url",
    [
        "/api/",
        "/api/health/",
        "/api/northpeak/",
        "/api/northpeak/products/",
        "/api/northpeak/no-such-thing/",
        "/api/p/northpeak/",
        "/api/p/northpeak/upload/",
        "/northpeak/aftersale/api/products/",
    ],
)
def test_unknown_api_path_with_a_trailing_slash_is_not_found(tenant, url):
    """An /api/ path our routes do not know never reaches Wagtail's page serving (its Http404 was a 500)."""
    from django.test import Client

    client = Client(raise_request_exception=False)
    assert_error(client.get(url), 404, "not_found")
    assert_error(client.post(url, {}, content_type="application/json"), 404, "not_found")


def test_http404_raised_outside_drf_is_enveloped_not_found(tenant):
    """The envelope's exception hook maps Django's Http404 to 404, whatever view raised it."""
    from django.http import Http404
    from django.test import Client

    def plain_view(request, tenant):
        raise Http404("no")

    patterns = [path("api/<str:tenant>/plain", plain_view), *root_urls.urlpatterns]
    with override_settings(ROOT_URLCONF=type("U", (), {"urlpatterns": patterns})):
        response = Client(raise_request_exception=False).get("/api/northpeak/plain")
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("url", ["/api/schema", "/api/health", "/api/northpeak/products", "/api/northpeak/config"])
@pytest.mark.parametrize("accept", ["text/html", "application/xml"])
def test_an_accept_we_cannot_answer_is_406_not_acceptable(tenant, url, accept):
    from django.test import Client

    response = Client(raise_request_exception=False).get(url, HTTP_ACCEPT=accept)
    assert_error(response, 406, "not_acceptable")


@pytest.mark.parametrize("url", ["/api/schema", "/api/docs", "/api/redoc"])
def test_schema_and_docs_are_public_even_with_a_bearer_token(tenant, make_customer, url):
    """A signed-in app that sends its token everywhere still gets the public reference."""
    from tests.conftest import client_for

    client = client_for(make_customer(tenant), tenant)
    assert client.get(url).status_code == 200
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert client.get(url).status_code == 200


def test_a_non_json_error_from_a_drf_view_keeps_its_code(tenant):
    """An error a view renders as something else than JSON (the schema's YAML) leaves as the same envelope in JSON."""
    from django.test import Client

    response = Client(raise_request_exception=False).get("/api/schema", HTTP_ACCEPT="text/csv")
    error = assert_error(response, 406, "not_acceptable")
    assert "json" in error["message"].lower() or "accept" in error["message"].lower()


@pytest.mark.parametrize(
    "url", ["/north%00peak/aftersale/api/products", "/northpeak/aftersale/api/media/media_%00", "/northpeak/aftersale/api/prod%00ucts"]
)
def test_nul_in_an_alias_path_is_not_found(tenant, url):
    """The alias is rewritten before the NUL guard looks, so it guards both spellings (PostgreSQL: it was a 500)."""
    from django.test import Client

    assert_error(Client(raise_request_exception=False).get(url), 404, "not_found")


def test_nul_in_an_alias_query_parameter_is_a_field_error(tenant):
    from django.test import Client

    response = Client(raise_request_exception=False).get("/northpeak/aftersale/api/products?search=a%00b")
    assert assert_error(response, 400, "validation_error")["fields"]["search"][0]["code"] == "invalid_character"


@pytest.mark.parametrize("key", ["a\x00b", "a\x01b", "tab\there", "caf\u00e9"])
def test_an_idempotency_key_with_a_control_or_non_ascii_character_is_a_field_error(tenant, key):
    """The key is stored: only visible ASCII is taken (the IETF draft's key is a structured-field string)."""
    from warranty_api.models import IdempotencyRecord

    response = APIClient().post(
        "/api/p/northpeak/warranties", {"serial_number": "x"}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert assert_error(response, 400, "validation_error")["fields"]["Idempotency-Key"][0]["code"] == "invalid"
    assert not IdempotencyRecord.objects.exists()
