"""The portal, its script's words and the emails in the customer's language, within the brand's languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from bin.api_messages import api_messages
from bin.email_messages import email_messages
from tests.conftest import PASSWORD
from tests.support.claims_helpers import make_claim, make_warranty
from warranty_api.claims.services import claim_notify

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ("de", "fr", "es")


def _lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


@pytest.fixture
def german_brand(tenant):
    tenant.languages = ["de", "en"]
    tenant.default_language = "de"
    tenant.save(update_fields=["languages", "default_language"])
    return tenant


def test_a_brand_that_sets_no_languages_offers_every_shipped_one_english_first(tenant):
    html = Client().get("/northpeak/sign-in/").content.decode()
    assert _lang(Client().get("/northpeak/sign-in/")) == "en"
    names = re.findall(r'<a href="\?lang=(\w+)" lang="\w+"', html)
    assert names == ["en", "de", "fr", "es"]


def test_the_browser_language_picks_among_the_brands_languages_else_its_default(german_brand):
    assert _lang(Client().get("/northpeak/sign-in/")) == "de"  # nothing asked: the brand's default
    assert _lang(Client().get("/northpeak/sign-in/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8")) == "en"
    assert _lang(Client().get("/northpeak/sign-in/", HTTP_ACCEPT_LANGUAGE="fr-FR")) == "de"  # not offered
    page = Client().get("/northpeak/sign-in/", HTTP_ACCEPT_LANGUAGE="de-DE").content.decode()
    assert "Passwort vergessen?" in page and "Anmelden" in page
    assert "/jsi18n/de/portal.js" in page


def test_the_switcher_beats_accept_language_and_is_remembered(german_brand):
    client = Client()
    response = client.get("/northpeak/register/?serial=SN-1&lang=en", HTTP_ACCEPT_LANGUAGE="de")
    assert _lang(response) == "en" and "Register product" in response.content.decode()
    assert response.cookies["django_language"].value == "en"
    # The switcher's links keep the page's own query.
    assert 'href="?serial=SN-1&amp;lang=de"' in response.content.decode()
    assert _lang(client.get("/northpeak/claims/", HTTP_ACCEPT_LANGUAGE="de")) == "en"
    # A language the brand does not offer is not taken.
    refused = client.get("/northpeak/claims/?lang=fr", HTTP_ACCEPT_LANGUAGE="de")
    assert _lang(refused) == "en" and "django_language" not in refused.cookies


def test_the_404_page_speaks_the_language_too(german_brand):
    response = Client().get("/northpeak/no-such-page/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 404 and "Seite nicht gefunden" in response.content.decode()


def test_the_script_catalog_is_the_pages_language(tenant):
    german = Client().get("/jsi18n/de/portal.js")
    assert german.status_code == 200 and "Ihre Angaben sind gespeichert." in german.content.decode()
    assert "Aucune photo." in Client().get("/jsi18n/fr/portal.js").content.decode()
    assert Client().get("/jsi18n/xx/portal.js").status_code == 404


def test_the_account_remembers_its_language_and_refuses_one_the_brand_does_not_offer(german_brand, make_customer):
    make_customer(german_brand, "ada@example.com")
    login = APIClient().post("/api/northpeak/auth/login", {"email": "ada@example.com", "password": PASSWORD},
                             format="json").json()["data"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer " + login["access"])
    response = client.patch("/api/northpeak/auth/me", {"language": "fr"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["language"][0]["code"] == "invalid_choice"
    assert client.get("/api/northpeak/auth/me").json()["data"]["language"] == ""
    assert client.patch("/api/northpeak/auth/me", {"language": "de"}, format="json").status_code == 200
    assert client.get("/api/northpeak/auth/me").json()["data"]["language"] == "de"


def test_a_claim_email_is_in_the_accounts_language(tenant, make_customer, django_capture_on_commit_callbacks):
    customer = make_customer(tenant, "ada@example.com")
    customer.language = "es"
    customer.save(update_fields=["language"])
    claim = make_claim(tenant, customer, warranty=make_warranty(tenant, customer))
    with django_capture_on_commit_callbacks(execute=True):
        claim_notify(claim, "submitted")
    [message] = [m for m in mail.outbox if m.to == ["ada@example.com"]]
    assert message.subject.startswith("Hemos recibido su reclamación")
    assert "Nuestro equipo de soporte la revisará" in message.body


def test_the_registration_email_is_in_the_pages_language_with_its_dates(german_brand, django_capture_on_commit_callbacks):
    from tests.warranties.test_warranty_registration import URL, body

    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post(URL, body(), format="json", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert response.status_code == 201, response.content
    end = response.json()["data"]["warranty_end"]
    [message] = [m for m in mail.outbox if m.to == ["customer@example.com"]]
    assert "ist bei Northpeak Outdoor registriert" in message.subject
    year, _month, day = end.split("-")
    assert f"bis zum {int(day)}. " in message.body and year in message.body  # "28. November 2028"


@pytest.mark.parametrize("language", LOCALES)
def test_every_text_is_translated_with_its_placeholders(language):
    for domain in ("django", "djangojs"):
        with (ROOT / "locale" / language / "LC_MESSAGES" / f"{domain}.po").open("rb") as handle:
            catalog = read_po(handle, locale=language)
        for message in catalog:
            if not message.id:
                continue
            assert all(message.string if isinstance(message.string, tuple) else [message.string]), (
                f"{language}/{domain}: untranslated {message.id!r}")
            assert "fuzzy" not in message.flags, message.id
            # A plural entry: every form keeps the placeholders of the singular's and the plural's msgid.
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for text in strings:
                for pattern in (r"%\(\w+\)[sd]", r"\{\{ \w+ \}\}", r"<[^>]+>"):
                    assert sorted(re.findall(pattern, ids[-1])) == sorted(re.findall(pattern, text)), (
                        f"{language}/{domain}: placeholders of {message.id!r} differ in {text!r}"
                    )


def test_every_email_paragraph_and_script_text_is_in_the_catalogs():
    with (ROOT / "locale" / "de" / "LC_MESSAGES" / "django.po").open("rb") as handle:
        django_ids = {m.id for m in read_po(handle)}
    missing = [text for text in email_messages() if text not in django_ids]
    assert not missing, f"run bin/email_messages.py: {missing}"
    with (ROOT / "locale" / "de" / "LC_MESSAGES" / "djangojs.po").open("rb") as handle:
        js_ids = {m.id for m in read_po(handle)}
    scripts = (ROOT / "home" / "static" / "home" / "portal").rglob("*.js")
    used = {text for path in scripts for text in re.findall(r'gettext\("((?:[^"\\]|\\.)*)"\)', path.read_text())}
    assert used and not used - js_ids, f"run makemessages -d djangojs: {sorted(used - js_ids)}"


def test_every_api_error_a_customer_can_meet_is_in_the_catalogs():

    with (ROOT / "locale" / "de" / "LC_MESSAGES" / "django.po").open("rb") as handle:
        django_ids = {m.id for m in read_po(handle)}
    texts = api_messages()
    missing = [text for text in texts if text not in django_ids]
    assert texts and not missing, f"run bin/api_messages.py and translate: {missing}"


def test_the_api_answers_errors_in_the_requests_language(tenant, make_customer):
    from tests.conftest import client_for

    client = client_for(make_customer(tenant, "owner@example.com"), tenant)
    body = {"serial_number": "SN-CA-20250115", "purchase_date": "2999-01-01",
            "customer": {"email": "owner@example.com", "name": "Owner", "phone": "+1 555 0100",
                         "address": {"street": "1 Main St", "city": "Miami"}}}
    german = client.post("/api/p/northpeak/warranties", body, format="json", HTTP_ACCEPT_LANGUAGE="de").json()
    assert german["error"]["code"] == "validation_error"  # codes stay as they are
    assert german["error"]["message"] == "Einige Angaben fehlen oder sind ungültig."
    assert german["error"]["fields"]["purchase_date"][0]["message"] == "Das Kaufdatum kann nicht in der Zukunft liegen."
    french = client.get("/api/northpeak/warranties/wty_nothing", HTTP_ACCEPT_LANGUAGE="fr").json()
    assert french["error"]["code"] == "not_found" and french["error"]["message"] != "Not found."
    assert french["error"]["message"] in ("Introuvable.", "Vous n'avez pas de garantie avec cet identifiant.")
    english = client.post("/api/p/northpeak/warranties", body, format="json").json()
    assert english["error"]["fields"]["purchase_date"][0]["message"] == "The purchase date cannot be in the future."
