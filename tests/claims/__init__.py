"""Tests of warranty_api.claims."""
