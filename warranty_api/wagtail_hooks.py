"""Wagtail finds hooks here: the staff workspace's frame and each domain's admin screens."""

from warranty_api.workspace import hooks as workspace_hooks  # noqa: F401
