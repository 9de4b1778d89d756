"""Tests of warranty_api.notices."""
