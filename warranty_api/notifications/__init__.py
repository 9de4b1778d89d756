"""Customer email: templates, the outbox of messages and the HTML allow-list."""
