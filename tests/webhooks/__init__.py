"""Tests of warranty_api.webhooks."""
