"""Tests of warranty_api.core."""
