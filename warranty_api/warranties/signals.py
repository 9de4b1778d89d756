"""What a domain above warranties does when a registration waits for its purchase check, announced here so
warranties never imports it.

Verification listens (connected in `warranty_api.apps`) and writes the durable check row and queues the check.
Sent synchronously, inside the registration's transaction, so the row commits with the warranty (or not at all).
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with `warranty`, a new registration whose verification is pending.
warranty_awaits_purchase_check = Signal()
