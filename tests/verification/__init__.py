"""Tests of warranty_api.verification."""
