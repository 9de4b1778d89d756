"""The languages a brand's portal offers, and which of them a page, an API call or an email is written in."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

# The cookie the portal's language switcher sets (Django's own, so its LocaleMiddleware reads it too).
LANGUAGE_COOKIE = settings.LANGUAGE_COOKIE_NAME


def shipped() -> list[str]:
    """Every language the product ships, English first."""
    return [code for code, _ in settings.LANGUAGES]


def offered(tenant) -> list[str]:
    """The brand's languages in its order; a brand that sets none offers every shipped language."""
    available = shipped()
    chosen = [code for code in (getattr(tenant, "languages", None) or []) if code in available]
    return chosen or available


def default_language(tenant) -> str:
    languages = offered(tenant)
    preferred = getattr(tenant, "default_language", "") or ""
    return preferred if preferred in languages else languages[0]


def _match(code: str, languages: list[str]) -> str | None:
    code = (code or "").strip().lower()
    if not code:
        return None
    if code in languages:
        return code
    base = code.split("-")[0]
    return base if base in languages else None


def language_for_request(request, tenant) -> str:
    """The switcher's choice (its cookie), else the browser's Accept-Language, else the brand's default."""
    languages = offered(tenant)
    chosen = _match(request.COOKIES.get(LANGUAGE_COOKIE, ""), languages)
    if chosen:
        return chosen
    for code, _quality in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        found = _match(code, languages)
        if found:
            return found
    return default_language(tenant)


def language_for_message(tenant, *, user=None, language: str = "") -> str:
    """An email's language: the account's choice, else the one named, else the page's that caused it, else the
    brand's default; always one the brand offers."""
    languages = offered(tenant)
    for candidate in (getattr(user, "language", "") if user is not None else "", language, translation.get_language()):
        found = _match(candidate or "", languages)
        if found:
            return found
    return default_language(tenant)


def language_names(tenant) -> list[dict[str, str]]:
    names = dict(settings.LANGUAGES)
    return [{"code": code, "name": names[code]} for code in offered(tenant)]
