"""What a domain above accounts does when an account proves its email, announced here so accounts never imports it.

Warranties listens (connected in `warranty_api.apps`): the warranties registered earlier under the address become
the account's. Sent synchronously, inside the verification's transaction, so a failure there rolls the
verification back as a direct call did.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with `tenant` and `user` once a customer account of that tenant has proved its (new) email.
customer_email_confirmed = Signal()
