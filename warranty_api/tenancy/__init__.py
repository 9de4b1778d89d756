"""The brand itself: the tenant, its settings and its configuration file."""
