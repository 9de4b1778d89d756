"""Warranties: registration, term, transfers, and the staff's screens over them."""
