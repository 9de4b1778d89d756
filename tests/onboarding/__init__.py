"""Tests of warranty_api.onboarding."""
