"""Wagtail finds hooks here: the staff workspace registers its frame and its screens."""

from warranty_api.workspace import hooks as workspace_hooks  # noqa: F401
