"""Customer data requests of a brand's admins: export everything held about an email, or erase it."""
