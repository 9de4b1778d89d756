"""Warranties: registration, term, transfers (the rest moves here with the layout)."""
