"""Thin django-q2 tasks: each takes ids (or nothing), calls one service, and is safe to run twice."""

from .services import media as media_services


def media_purge_unattached() -> int:
    """Hourly: delete uploads nobody attached within 24 hours (see `services.media.media_purge_unattached`)."""
    return media_services.media_purge_unattached()
