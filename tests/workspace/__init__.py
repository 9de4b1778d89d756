"""Tests of the staff workspace in Wagtail's admin."""
