"""People who sign in: a tenant's customers and the brands' staff, in one user table."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import F, Q

from warranty_api.core.ids import PublicIdField


class AccountManager(UserManager):
    @classmethod
    def normalize_email(cls, email):
        # `create_user`, `createsuperuser` and Django's `AbstractUser.clean` store this form too.
        from warranty_api.core.emails import normalize_email

        return normalize_email(email or "")


class User(AbstractUser):
    """A customer belongs to exactly one tenant (`tenant` set); staff have `tenant` empty and memberships.

    `username` is an internal unique key: the email for staff, `<tenant id>:<email>` for customers, so
    the same email can hold separate accounts at two brands.
    """

    public_id = PublicIdField(prefix="usr_")
    tenant = models.ForeignKey(
        "warranty_api.Tenant", null=True, blank=True, on_delete=models.CASCADE, related_name="customer_accounts"
    )
    full_name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    address = models.JSONField(default=dict, blank=True)
    email_verified_at = models.DateTimeField(null=True, blank=True)
    # An email change waits here until the new address is verified; until then `email` stays as it was.
    pending_email = models.EmailField(blank=True)
    # The latest 6-digit verification code, kept only as an HMAC bound to the address it verifies.
    email_code_hash = models.CharField(max_length=128, blank=True)
    email_code_sent_at = models.DateTimeField(null=True, blank=True)
    email_code_attempts = models.PositiveSmallIntegerField(default=0)
    # Stamped into every token; a new password moves it on, so every token issued before stops working at once.
    credentials_version = models.PositiveIntegerField(default=0)

    objects = AccountManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "email"], condition=Q(tenant__isnull=False), name="user_unique_customer_email"
            ),
            models.UniqueConstraint(fields=["email"], condition=Q(tenant__isnull=True), name="user_unique_staff_email"),
        ]
        # Emails are stored in their one normalised form (`normalize_email`, applied in `save`) and found by that
        # exact value, so these two constraints' indexes serve sign-in, sign-up and reset as well.

    @classmethod
    def from_db(cls, db, field_names, values):
        user = super().from_db(db, field_names, values)
        user._loaded_is_active = user.__dict__.get("is_active")
        return user

    def save(self, *args, **kwargs):
        # Whatever wrote the address (a service, Wagtail's user forms, a shell), it is stored in the form every
        # lookup, uniqueness check and rate limit uses.
        self.email = AccountManager.normalize_email(self.email)
        self.pending_email = AccountManager.normalize_email(self.pending_email)
        # Done here rather than in each service so that every way of setting a password counts: the API, the
        # portal, Wagtail's admin and its reset form, `manage.py changepassword`. Django sets `_password` only in
        # `set_password` (and clears it for the silent re-hash of a hasher upgrade at sign-in, which must not
        # sign anyone out). Deactivating the account (Wagtail's or Django's admin) counts too: without it, the
        # tokens issued before would work again once the account is reactivated.
        deactivated = getattr(self, "_loaded_is_active", None) is True and self.is_active is False
        new_password = (self._password is not None or deactivated) and not self._state.adding
        if new_password:
            # Incremented in the database, so two changes at once both count.
            self.credentials_version = F("credentials_version") + 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "credentials_version"}
        super().save(*args, **kwargs)
        self._loaded_is_active = self.is_active
        if new_password:
            self.refresh_from_db(fields=["credentials_version"])

    @property
    def is_customer(self) -> bool:
        return self.tenant_id is not None

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @staticmethod
    def customer_username(tenant_id: int, email: str) -> str:
        return f"{tenant_id}:{AccountManager.normalize_email(email)}"
