"""Template helpers of the staff workspace: the platform's name, claim ages in days."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils import timezone

from warranty_api.claims.models import Claim

register = template.Library()


@register.simple_tag
def platform_name() -> str:
    return settings.WAGTAIL_SITE_NAME


@register.filter
def age_days(moment) -> str:
    """How long ago, in whole days or hours, the way a support desk counts a claim's wait."""
    if not moment:
        return ""
    seconds = max(0, (timezone.now() - moment).total_seconds())
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} d"


@register.filter
def status_label(value: str) -> str:
    """A claim status as people read it ("More information requested", not info_requested)."""
    return dict(Claim.Status.choices).get(value, value)


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key) if isinstance(mapping, dict) else None
