"""Signed webhooks: app endpoints, ordered deliveries, inbound event ids and the contract's schemas."""
