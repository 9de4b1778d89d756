"""Start-up checks of settings that only make sense together (run by `manage.py check`, runserver, qcluster)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register

from warranty_api.core.outbox import OUTBOXES


@register()
def outbox_settings_check(app_configs=None, **kwargs) -> list[Error]:
    """The outbox lease must outlast one attempt of every kind of work, and its schedule must be positive.

    A lease that ran out while its worker is still inside an attempt lets the sweep give the row to a second
    worker, which repeats the attempt: an email or a webhook sent twice.
    """

    errors = []
    lease = settings.AFTERSALE_OUTBOX_LEASE_SECONDS
    for outbox in OUTBOXES:
        longest = outbox.longest_attempt()
        if lease <= longest:
            errors.append(
                Error(
                    f"OUTBOX_LEASE_SECONDS ({lease}) must be longer than one {outbox.kind} attempt can last "
                    f"({longest:g} s with the configured timeouts).",
                    hint="Raise OUTBOX_LEASE_SECONDS or lower the timeout of that kind of work (README, Configuration).",
                    id="aftersale.E001",
                )
            )
    for name in ("OUTBOX_RETRY_BASE_SECONDS", "OUTBOX_RETRY_MAX_SECONDS", "OUTBOX_SWEEP_MINUTES"):
        if getattr(settings, f"AFTERSALE_{name}") < 1:
            errors.append(Error(f"{name} must be 1 or more.", id="aftersale.E002"))
    return errors
