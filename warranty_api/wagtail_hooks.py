"""Wagtail finds hooks here: the staff workspace registers its frame and its screens."""

from warranty_api.analytics import hooks as analytics_hooks  # noqa: F401
from warranty_api.labels import hooks as labels_hooks  # noqa: F401
from warranty_api.notices import hooks as notices_hooks  # noqa: F401
from warranty_api.workspace import hooks as workspace_hooks  # noqa: F401
