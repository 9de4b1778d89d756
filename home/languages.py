"""The portal's language: chosen with the switcher (remembered in a cookie), else the browser's, else the brand's."""

from __future__ import annotations

from urllib.parse import urlencode

from django.utils import translation

from warranty_api.tenancy.languages import LANGUAGE_COOKIE, language_for_request, language_names, offered

SWITCH_PARAM = "lang"
_YEAR = 365 * 24 * 3600


def serve_in_language(request, tenant, serve):
    """Render `serve()`'s page in the customer's language; a `?lang=` the brand offers is also remembered."""
    chosen = request.GET.get(SWITCH_PARAM, "")
    chosen = chosen if chosen in offered(tenant) else ""
    language = chosen or language_for_request(request, tenant)
    with translation.override(language):
        request.LANGUAGE_CODE = language
        response = serve()
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()
    if chosen:
        # Not HttpOnly: a preference, not a secret; the script reads <html lang> rather than this cookie anyway.
        response.set_cookie(LANGUAGE_COOKIE, chosen, max_age=_YEAR, path="/", samesite="Lax")
    response.headers["Content-Language"] = language
    return response


def switcher(request, tenant) -> list[dict]:
    """The switcher's links: this same page (its query kept) in each language the brand offers."""
    current = translation.get_language()
    kept = [(key, value) for key, value in request.GET.items() if key != SWITCH_PARAM]
    return [
        {**item, "current": item["code"] == current, "href": "?" + urlencode([*kept, (SWITCH_PARAM, item["code"])])}
        for item in language_names(tenant)
    ]
