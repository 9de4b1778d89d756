"""Messages to people: email templates, the email outbox, the allow-list HTML, reminders."""
