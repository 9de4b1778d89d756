"""Tests of warranty_api.catalog."""
