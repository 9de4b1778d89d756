"""Colour contrast of a brand's colours against the portal's text (WCAG 2 relative luminance)."""

from __future__ import annotations

# The portal's colours when a brand sets none (warranty_api/tenancy/branding.py).
PORTAL_DEFAULT_PRIMARY = "#1f3a5f"
PORTAL_DEFAULT_ACCENT = "#e0a526"
# What the portal puts on or beside the brand's colours (home/static/home/portal.css).
PORTAL_TEXT_ON_PRIMARY = "#ffffff"  # header, buttons: white text on the primary colour
PORTAL_BACKGROUND = "#fafafa"  # links are the primary colour on the page's background
TEXT_MINIMUM = 4.5  # WCAG AA, normal text
NON_TEXT_MINIMUM = 3.0  # WCAG AA, borders and focus rings (the accent colour)


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(hex_color: str) -> float:
    h = hex_color.lstrip("#")
    if len(h) == 3:
        h = "".join(ch * 2 for ch in h)
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(one: str, other: str) -> float:
    a, b = sorted((luminance(one), luminance(other)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def branding_contrast_problems(branding: dict) -> list[str]:
    """Sentences naming each brand colour the portal's text would be hard to read against."""
    problems = []
    primary = branding.get("primary_color")
    if primary:
        on = contrast_ratio(primary, PORTAL_TEXT_ON_PRIMARY)
        if on < TEXT_MINIMUM:
            problems.append(
                f"The primary colour {primary} has a contrast of {on:.1f}:1 with the white text of the portal's "
                f"header and buttons; at least {TEXT_MINIMUM}:1 is readable (choose a darker colour)."
            )
        links = contrast_ratio(primary, PORTAL_BACKGROUND)
        if links < TEXT_MINIMUM and on >= TEXT_MINIMUM:
            problems.append(f"Links in the primary colour {primary} have a contrast of {links:.1f}:1 with the page.")
    accent = branding.get("accent_color")
    if accent:
        ratio = contrast_ratio(accent, PORTAL_BACKGROUND)
        if ratio < NON_TEXT_MINIMUM:
            problems.append(
                f"The accent colour {accent} has a contrast of {ratio:.1f}:1 with the page, used for borders and "
                f"the focus ring; at least {NON_TEXT_MINIMUM}:1 is visible."
            )
    return problems
