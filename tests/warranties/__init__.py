"""Tests of warranty_api.warranties."""
