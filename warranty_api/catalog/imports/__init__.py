"""Bulk imports of known serial numbers from CSV."""
