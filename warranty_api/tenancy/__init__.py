"""Tenants (brands), their staff memberships and their configuration file."""
