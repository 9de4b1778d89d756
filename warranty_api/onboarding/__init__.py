"""Onboarding and changing a tenant from its configuration file: validation, then applying it to every domain."""
