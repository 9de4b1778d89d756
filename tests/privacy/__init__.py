"""Tests of warranty_api.privacy."""
