"""Uploaded files (receipts, claim photos) and their serving."""
