"""The tenant's record of a customer, keyed by email, kept from registrations and accounts."""

from django.conf import settings
from django.db import models

from .base import PublicIdField, TimeStamped
from .tenancy import Tenant


class Customer(TimeStamped):
    """Contact details a brand holds for one email. `account` is linked only once the email is verified.

    The first registration of the email fills the details; later registrations never change them (each keeps its
    own with its warranty): only the verified account does, and `owner_contact_at` says when it last did.
    """

    id = PublicIdField(prefix="cus_", primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="customers")
    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    address = models.JSONField(default=dict, blank=True)
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="customer_record"
    )
    # None while the details are still those of the email's first registration, which anyone could have sent.
    owner_contact_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "email"], name="customer_unique_email")]

    def __str__(self) -> str:
        return self.email
