"""Every error code customer email answers (the JSON carries the value)."""

from __future__ import annotations

from enum import StrEnum


class NotificationErrorCode(StrEnum):
    NOTIFICATION_ALREADY_SENT = "notification_already_sent"
    NOTIFICATION_IN_PROGRESS = "notification_in_progress"
