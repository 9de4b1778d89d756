"""Tests of warranty_api.accounts."""
