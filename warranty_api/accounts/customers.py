"""The tenant's record of a customer, keyed by email, kept from registrations and accounts."""

from django.conf import settings
from django.db import models

from warranty_api.core.ids import PublicIdField, TimeStamped
from warranty_api.tenancy.models import Tenant

# The parts of a postal address, on a customer record, an account and a registration; no other key is taken.
ADDRESS_KEYS = ("street", "street2", "city", "state", "zip", "country")


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
    # Service notices skip a customer who opted out of marketing email; safety notices reach them anyway.
    marketing_opt_out = models.BooleanField(default=False, db_default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "email"], name="customer_unique_email")]

    def __str__(self) -> str:
        return self.email


class MarketingConsent(models.Model):
    """One answer of a customer to the brand's marketing opt-in: granted or withdrawn, with the wording they saw.

    The log is the record a brand shows a regulator (what was agreed to, when, where); the customer's current
    answer is their latest row, and a withdrawal also sets `Customer.marketing_opt_out`, which service notices read.
    """

    class Source(models.TextChoices):
        REGISTRATION = "registration", "Product registration"
        SIGN_UP = "sign_up", "Account sign-up"
        ACCOUNT = "account", "Account settings"

    id = PublicIdField(prefix="cns_", primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="marketing_consents")
    granted = models.BooleanField()
    # The words shown next to the checkbox, in the language shown, and a digest naming that version of them.
    text = models.TextField()
    text_version = models.CharField(max_length=16)
    language = models.CharField(max_length=8, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices)
    # Whether the email's owner had confirmed it when answering (a registration or a new sign-up had not): a brand
    # that needs double opt-in mails only those confirmed.
    email_confirmed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "created_at", "id"], name="consent_tenant_log_idx"),
            models.Index(fields=["customer", "created_at", "id"], name="consent_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {'granted' if self.granted else 'withdrawn'} at {self.created_at}"


class CustomerErasure(models.Model):
    """The audit record of one erasure of a customer's personal data: who, when, what; never the person.

    The email is kept only as a keyed digest, so a second erasure of the same address finds this record and
    answers the same, while the record itself names nobody.
    """

    class Via(models.TextChoices):
        API = "api", "Admin API"
        COMMAND = "command", "manage.py customer_erase"

    id = PublicIdField(prefix="era_", primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    email_digest = models.CharField(max_length=64)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    via = models.CharField(max_length=10, choices=Via.choices)
    # Tombstone ids and counts per table: what the answer to the request said.
    summary = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "email_digest", "created_at"], name="customererasure_lookup_idx")]

    def __str__(self) -> str:
        return f"erasure {self.id}"
