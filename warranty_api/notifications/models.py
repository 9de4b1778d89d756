"""Outgoing email as an outbox: one row per message, written in the transaction that caused it."""

from django.db import models

from warranty_api.core.ids import PublicIdField, TimeStamped
from warranty_api.tenancy.models import Tenant


class NotificationKind(models.TextChoices):
    REGISTRATION_CONFIRMATION = "registration_confirmation", "Registration confirmation"
    EMAIL_VERIFICATION = "email_verification", "Email verification"
    EMAIL_CHANGE_VERIFICATION = "email_change_verification", "Email change verification (names the account)"
    PASSWORD_RESET = "password_reset", "Password reset"
    STAFF_INVITATION = "staff_invitation", "Staff invitation (new account: choose a password)"
    STAFF_MEMBERSHIP_INVITATION = "staff_membership_invitation", "Staff invitation (existing account: accept)"
    CLAIM_RECEIVED = "claim_received", "Claim received"
    CLAIM_INFO_REQUESTED = "claim_info_requested", "More information requested"
    CLAIM_INFO_REMINDER = "claim_info_reminder", "Reminder: information still needed"
    CLAIM_APPROVED = "claim_approved", "Claim approved"
    CLAIM_DENIED = "claim_denied", "Claim denied"
    CLAIM_RESOLVED = "claim_resolved", "Claim resolved"
    CLAIM_UPDATED = "claim_updated", "Claim updated"
    TRANSFER_OFFERED = "transfer_offered", "Warranty transfer offered"
    TRANSFER_ACCEPTED = "transfer_accepted", "Warranty transfer accepted"
    EXPIRY_REMINDER = "expiry_reminder", "Warranty expiry reminder"
    CLAIM_SLA_REMINDER = "claim_sla_reminder", "Staff: a claim's service level is about to be missed"
    PRODUCT_NOTICE = "product_notice", "Recall, safety or service notice"


class Notification(TimeStamped):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"  # attempts exhausted; staff can see the error and retry

    id = PublicIdField(prefix="ntf_", primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40, choices=NotificationKind.choices)
    to_email = models.EmailField()
    context = models.JSONField(default=dict, blank=True)
    # The language the message is written in, fixed when it is queued (the recipient's, else the brand's).
    language = models.CharField(max_length=8, blank=True)
    # What the message is about, for staff screens and de-duplication ("clm_...", "wty_...").
    subject_ref = models.CharField(max_length=40, blank=True, db_index=True)
    # Set by jobs that must queue a message once only (a reminder); unique per tenant, so two runs of the job
    # at the same moment cannot both queue it.
    dedupe_key = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=6)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A sender holds the row until this time; past it, the sweep may hand it to another worker.
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    rendered_subject = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_due_idx"),
            # The staff outbox: a tenant's failed and retrying messages, newest first.
            models.Index(fields=["tenant", "status", "created_at"], name="notification_tenant_status_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "dedupe_key"], condition=~models.Q(dedupe_key=""), name="notification_unique_dedupe"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to_email} ({self.status})"


class NotificationTemplate(TimeStamped):
    """A tenant's own wording of one kind of message; the default lives in templates/notifications/."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="notification_templates")
    kind = models.CharField(max_length=40, choices=NotificationKind.choices)
    subject = models.CharField(max_length=300)
    text_body = models.TextField()
    html_body = models.TextField(blank=True, help_text="Optional; made from the text body when empty.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "kind"], name="notificationtemplate_unique_kind")]

    def __str__(self) -> str:
        return f"{self.tenant.slug}: {self.kind}"
