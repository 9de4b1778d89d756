"""Every error code the media domain answers (the JSON carries the value); too large and of a refused type are
the frame's own (`CoreErrorCode`)."""

from __future__ import annotations

from enum import StrEnum


class MediaErrorCode(StrEnum):
    MEDIA_ALREADY_ATTACHED = "media_already_attached"
    BUSY = "busy"
