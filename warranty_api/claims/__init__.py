"""Claims: submission, the review workflow, messages, fulfillment and reminders."""
