"""Every error code the analytics package answers (the JSON carries the value)."""

from __future__ import annotations

from enum import StrEnum


class AnalyticsErrorCode(StrEnum):
    EXPORT_NOT_FINISHED = "export_not_finished"
