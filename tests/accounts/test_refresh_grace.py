"""A refresh token rotated out moments ago still stands for its session; later, or after a logout, it does not."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from tests.conftest import PASSWORD
from warranty_api.core.session_cookie import REFRESH_COOKIE

BASE = "/api/northpeak/auth"
COOKIE_MODE = {"HTTP_X_AFTERSALE_SESSION": "cookie"}


def _login() -> dict:
    response = APIClient().post(f"{BASE}/login", {"email": "owner@example.com", "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["data"]


def _refresh(raw: str):
    return APIClient().post(f"{BASE}/refresh", {"refresh": raw}, format="json")


def _me(access: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer " + access)
    return client.get(f"{BASE}/me").status_code


def _age_rotations(seconds: int) -> None:
    BlacklistedToken.objects.update(blacklisted_at=timezone.now() - timedelta(seconds=seconds))


def test_a_token_rotated_out_moments_ago_still_refreshes_its_session(customer):
    first = _login()["refresh"]
    second = _refresh(first).json()["data"]["refresh"]
    # The page that sent `first` was left before the answer carrying `second` arrived; the next page sends `first`.
    again = _refresh(first)
    assert again.status_code == 200, again.content
    third = again.json()["data"]
    assert _me(third["access"]) == 200
    assert third["refresh"] not in (first, second)
    # The session goes on from the newest token.
    assert _refresh(third["refresh"]).status_code == 200


def test_the_reuse_follows_several_rotations_to_the_live_token(customer):
    tokens = [_login()["refresh"]]
    for _ in range(3):
        tokens.append(_refresh(tokens[-1]).json()["data"]["refresh"])
    assert _refresh(tokens[0]).status_code == 200
    # The live token it led to was rotated by that reuse; it too is within its grace window.
    assert _refresh(tokens[-1]).status_code == 200


def test_past_the_grace_window_a_rotated_out_token_is_refused(customer, settings):
    settings.AFTERSALE_REFRESH_GRACE_SECONDS = 60
    first = _login()["refresh"]
    second = _refresh(first).json()["data"]["refresh"]
    _age_rotations(61)
    response = _refresh(first)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    assert _refresh(second).status_code == 200  # the live token is untouched by the refused reuse


def test_a_grace_window_of_zero_turns_it_off(customer, settings):
    settings.AFTERSALE_REFRESH_GRACE_SECONDS = 0
    first = _login()["refresh"]
    assert _refresh(first).status_code == 200
    assert _refresh(first).status_code == 401


def test_after_logout_no_token_of_the_session_refreshes(customer):
    first = _login()["refresh"]
    pair = _refresh(first).json()["data"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer " + pair["access"])
    assert client.post(f"{BASE}/logout", {"refresh": pair["refresh"]}, format="json").status_code == 204
    assert _refresh(first).status_code == 401
    assert _refresh(pair["refresh"]).status_code == 401


def test_after_a_password_change_no_rotated_out_token_refreshes(customer):
    first = _login()["refresh"]
    pair = _refresh(first).json()["data"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer " + pair["access"])
    changed = client.post(f"{BASE}/change-password", {"current_password": PASSWORD, "new_password": "An0ther-Secret!"},
                          format="json")
    assert changed.status_code == 200, changed.content
    assert _refresh(first).status_code == 401
    assert _refresh(pair["refresh"]).status_code == 401


def test_the_cookie_of_a_left_page_keeps_the_browser_signed_in(customer):
    browser = APIClient()
    assert browser.post(f"{BASE}/login", {"email": "owner@example.com", "password": PASSWORD}, format="json",
                        **COOKIE_MODE).status_code == 200
    stale = browser.cookies[REFRESH_COOKIE].value
    # One page's refresh reaches the server, but the page is gone before its answer (and its new cookie) arrives.
    lost = APIClient()
    lost.cookies[REFRESH_COOKIE] = stale
    assert lost.post(f"{BASE}/refresh", {}, format="json", **COOKIE_MODE).status_code == 200
    # The browser's jar still holds the old cookie; the next page refreshes with it.
    response = browser.post(f"{BASE}/refresh", {}, format="json", **COOKIE_MODE)
    assert response.status_code == 200, response.content
    assert response.cookies[REFRESH_COOKIE].value not in ("", stale)


def test_a_rotated_token_is_refused_at_another_brand(customer, other_tenant):
    first = _login()["refresh"]
    _refresh(first)
    response = APIClient().post("/api/southwind/auth/refresh", {"refresh": first}, format="json")
    assert response.status_code == 401
