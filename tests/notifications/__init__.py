"""Tests of warranty_api.notifications."""
