"""Tests of warranty_api.media."""
