"""The request frame shared by every domain: errors, pagination, negotiation, CSV answers."""
