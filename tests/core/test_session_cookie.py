"""The portal's session cookie: the refresh token HttpOnly, SameSite=Strict, scoped to the brand's auth path."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from tests.conftest import PASSWORD
from warranty_api.core.session_cookie import REFRESH_COOKIE

BASE = "/api/northpeak/auth"
COOKIE_MODE = {"HTTP_X_AFTERSALE_SESSION": "cookie"}


def _login(client, **extra):
    return client.post(f"{BASE}/login", {"email": "owner@example.com", "password": PASSWORD}, format="json", **extra)


def test_apps_keep_getting_the_refresh_token_in_the_body(customer):
    response = _login(APIClient())
    assert response.status_code == 200
    assert response.json()["data"]["refresh"]
    assert REFRESH_COOKIE not in response.cookies


def test_a_browser_that_asks_gets_the_refresh_token_as_a_strict_httponly_cookie(customer, settings):
    settings.AFTERSALE_REFRESH_COOKIE_SECURE = True
    response = _login(APIClient(), **COOKIE_MODE)
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["access"] and data["user"]["email"] == "owner@example.com"
    assert "refresh" not in data  # no script of the page ever sees it
    cookie = response.cookies[REFRESH_COOKIE]
    assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Strict"
    assert cookie["path"] == "/api/northpeak/auth/"
    assert int(cookie["max-age"]) == 14 * 24 * 3600


def test_dev_sends_the_cookie_without_secure(customer, settings):
    settings.AFTERSALE_REFRESH_COOKIE_SECURE = False
    assert not _login(APIClient(), **COOKIE_MODE).cookies[REFRESH_COOKIE]["secure"]


def test_refresh_takes_the_cookie_rotates_it_and_refuses_the_old_one(customer):
    client = APIClient()
    first = _login(client, **COOKIE_MODE).cookies[REFRESH_COOKIE].value
    response = client.post(f"{BASE}/refresh", {}, format="json", **COOKIE_MODE)
    assert response.status_code == 200, response.content
    assert response.json()["data"]["access"] and "refresh" not in response.json()["data"]
    second = response.cookies[REFRESH_COOKIE].value
    assert second and second != first
    me = APIClient()
    me.credentials(HTTP_AUTHORIZATION="Bearer " + response.json()["data"]["access"])
    assert me.get(f"{BASE}/me").json()["data"]["email"] == "owner@example.com"
    # The rotated-out token in the cookie is refused once its grace window is over.
    BlacklistedToken.objects.update(blacklisted_at=timezone.now() - timedelta(days=1))
    client.cookies[REFRESH_COOKIE] = first
    assert client.post(f"{BASE}/refresh", {}, format="json", **COOKIE_MODE).status_code == 401


@pytest.mark.parametrize(
    "extra",
    [
        {},  # a plain form or fetch of another site cannot add the custom header
        {"HTTP_X_AFTERSALE_SESSION": "cookie", "HTTP_ORIGIN": "https://evil.example"},
    ],
)
def test_a_cookie_refresh_without_the_header_or_from_another_origin_is_refused(customer, extra):
    client = APIClient()
    _login(client, **COOKIE_MODE)
    response = client.post(f"{BASE}/refresh", {}, format="json", **extra)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert REFRESH_COOKIE not in response.cookies  # nothing rotated, nothing issued


def test_a_same_origin_refresh_with_the_header_passes(customer):
    client = APIClient()
    _login(client, **COOKIE_MODE)
    response = client.post(f"{BASE}/refresh", {}, format="json", HTTP_ORIGIN="http://testserver", **COOKIE_MODE)
    assert response.status_code == 200, response.content


def test_refresh_without_body_token_or_cookie_is_a_validation_error(customer):
    response = APIClient().post(f"{BASE}/refresh", {}, format="json", **COOKIE_MODE)
    assert response.status_code == 400
    assert "refresh" in response.json()["error"]["fields"]


def test_logout_revokes_the_cookies_token_and_clears_the_cookie(customer):
    client = APIClient()
    login = _login(client, **COOKIE_MODE)
    token = login.cookies[REFRESH_COOKIE].value
    client.credentials(HTTP_AUTHORIZATION="Bearer " + login.json()["data"]["access"])
    response = client.post(f"{BASE}/logout", {}, format="json", **COOKIE_MODE)
    assert response.status_code == 204
    cleared = response.cookies[REFRESH_COOKIE]
    assert cleared.value == "" and cleared["path"] == "/api/northpeak/auth/" and cleared["max-age"] == 0
    # The token is revoked: even sent in the body it no longer refreshes.
    assert APIClient().post(f"{BASE}/refresh", {"refresh": token}, format="json").status_code == 401


def test_another_brands_cookie_path_is_its_own(customer, other_tenant, make_customer):
    make_customer(other_tenant, "owner@example.com")
    here = _login(APIClient(), **COOKIE_MODE).cookies[REFRESH_COOKIE]
    there = APIClient().post("/api/southwind/auth/login", {"email": "owner@example.com", "password": PASSWORD},
                             format="json", **COOKIE_MODE).cookies[REFRESH_COOKIE]
    assert here["path"] == "/api/northpeak/auth/" and there["path"] == "/api/southwind/auth/"
    # A token of one brand is refused at the other, cookie or not.
    client = APIClient()
    client.cookies[REFRESH_COOKIE] = here.value
    assert client.post("/api/southwind/auth/refresh", {}, format="json", **COOKIE_MODE).status_code == 401
