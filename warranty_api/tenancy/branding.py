"""The brand's look as the portal's pages and the emails use it: only values safe to put in CSS and in an src."""

from __future__ import annotations

import re

_HEX_COLOR_RE = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
DEFAULT_PRIMARY = "#1f3a5f"
DEFAULT_ACCENT = "#e0a526"


def _color(value, default: str) -> str:
    # The colours go into a <style> block, where HTML escaping does not stop `red;} body{...}`: hex only.
    return value if isinstance(value, str) and _HEX_COLOR_RE.match(value) else default


def _logo_url(value) -> str:
    # An http(s) or site-relative address only: never javascript: or data: in an <img src>.
    if not isinstance(value, str):
        return ""
    value = value.strip()
    if value.startswith(("https://", "http://")) or (value.startswith("/") and not value.startswith("//")):
        return value
    return ""


def branding_for(tenant) -> dict:
    raw = tenant.branding if isinstance(tenant.branding, dict) else {}
    return {
        "primary_color": _color(raw.get("primary_color"), DEFAULT_PRIMARY),
        "accent_color": _color(raw.get("accent_color"), DEFAULT_ACCENT),
        "tagline": raw.get("tagline") if isinstance(raw.get("tagline"), str) else "",
        "logo_url": _logo_url(raw.get("logo_url")),
    }
