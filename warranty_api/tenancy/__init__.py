"""Tenants, memberships, the tenant configuration file and the brand's settings."""
