"""Tests of scan to register: QR codes, landings, label sheets, the funnel, product pages and content."""
