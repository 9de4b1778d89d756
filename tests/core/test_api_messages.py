"""Error messages built with values: English as they always read, and translated with their values in place."""

from __future__ import annotations

import copy
import pickle

from tests.conftest import client_for
from tests.warranties.test_warranty_registration import body as registration_body
from warranty_api.core.exceptions import ApiMessage, error_body


def test_a_built_message_reads_as_its_english_text_and_keeps_its_template():
    message = ApiMessage("Attach at most %(most)s photos.", most=5)
    assert message == "Attach at most 5 photos." and isinstance(message, str)
    for again in (pickle.loads(pickle.dumps(message)), copy.deepcopy(message)):
        assert again == message and again.template == message.template and again.params == {"most": 5}


def test_the_envelope_translates_the_template_then_fills_in_the_values():
    from django.utils import translation

    message = ApiMessage("This unit was made on %(made)s.", made="2025-01-15")
    with translation.override("de"):
        body = error_body("validation_error", "Some fields are missing or invalid.",
                          {"purchase_date": [{"code": "before_manufacture", "message": message}]})
    assert body["error"]["fields"]["purchase_date"] == [
        {"code": "before_manufacture", "message": "Dieses Gerät wurde am 2025-01-15 hergestellt."}
    ]
    with translation.override("en"):
        assert error_body("x", message)["error"]["message"] == "This unit was made on 2025-01-15."


def test_a_message_with_a_value_answers_in_the_requests_language_with_its_code(tenant, make_customer):
    client = client_for(make_customer(tenant, "owner@example.com"), tenant)
    body = registration_body(purchase_date="1980-01-01")

    def too_early(language: str | None) -> dict:
        headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
        error = client.post("/api/p/northpeak/warranties", body, format="json", **headers).json()["error"]
        assert error["code"] == "validation_error"
        (field,) = error["fields"]["purchase_date"]
        assert field["code"] == "too_early"  # codes never change with the language
        return field["message"]

    assert too_early(None) == "The purchase date cannot be before 1990-01-01."
    assert too_early("de") == "Das Kaufdatum kann nicht vor dem 1990-01-01 liegen."
    assert too_early("fr") == "La date d\u2019achat ne peut pas être antérieure au 1990-01-01."


def test_a_query_parameters_refusal_is_translated_with_its_value_and_code(tenant, make_staff):
    from warranty_api.models import Role

    client = client_for(make_staff(tenant, Role.ADMIN), tenant)

    def refusal(query: str, language: str) -> dict:
        response = client.get(f"/api/northpeak/admin/claims?{query}", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 400
        (name, (field,)), = response.json()["error"]["fields"].items()
        return {"field": name, **field}

    english = refusal("issue_type=nope", "en")
    assert english["code"] == "invalid_choice" and english["message"].startswith("Unknown issue_type 'nope'; choose from: ")
    choices = english["message"].removeprefix("Unknown issue_type 'nope'; choose from: ")
    assert refusal("issue_type=nope", "de") == {
        "field": "issue_type", "code": "invalid_choice",
        "message": f"Unbekannter Wert für issue_type: 'nope'; wählen Sie aus: {choices}",
    }
    french = refusal("created_after=yesterday", "fr")
    assert french == {"field": "created_after", "code": "invalid",
                      "message": "created_after doit être une date au format AAAA-MM-JJ (YYYY-MM-DD)."}
    assert refusal("created_after=yesterday", "en")["message"] == "created_after must be a date, YYYY-MM-DD."
