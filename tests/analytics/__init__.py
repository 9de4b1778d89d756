"""Tests of warranty_api.analytics."""
