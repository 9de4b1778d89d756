"""People: accounts, sign-in, tokens, staff and invitations, customer records."""
