"""People who sign in: customers and staff, sign-up and sign-in, tokens and invitations."""
