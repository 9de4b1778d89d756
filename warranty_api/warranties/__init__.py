"""Warranties: registration, the term, transfers of ownership and staff corrections."""
