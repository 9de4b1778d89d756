"""Notifications: email templates, the email outbox, the allow-list HTML, reminders, and their staff screens."""
