"""Tenants (brands), the staff memberships that give people a role in one, and the record of the changes a
brand's admins make to its configuration."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from warranty_api.core.ids import PublicIdField, TimeStamped

TENANT_SLUG_RE = r"^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$"
# Slugs that would shadow a global path under /api/ or the site root.
RESERVED_SLUGS = frozenset(
    {"p", "api", "admin", "django-admin", "health", "config", "schema", "docs", "redoc", "webhooks", "static", "media",
     "documents", "jsi18n"}
)


class Coverage(models.TextChoices):
    FULL_REPLACEMENT = "full_replacement", "Full replacement"
    REPAIR = "repair", "Repair"
    LIMITED = "limited", "Limited"


class VerificationMode(models.TextChoices):
    OFF = "off", "Off"
    ADVISORY = "advisory", "Advisory"
    REQUIRED = "required", "Required"


class ReplacementTerms(models.TextChoices):
    NEW_TERM = "new_term", "A new term under the category's rules"
    REMAINDER = "remainder", "The remainder of the original warranty"


REGISTRATION_FIELDS = ("phone", "address", "proof_of_purchase", "retailer")


class Tenant(TimeStamped):
    slug = models.CharField(
        max_length=63,
        unique=True,
        validators=[RegexValidator(TENANT_SLUG_RE, "Lowercase letters, digits and hyphens, 2 to 63 long.")],
    )
    name = models.CharField(max_length=200)
    support_email = models.EmailField()
    branding = models.JSONField(default=dict, blank=True, help_text="primary_color, accent_color, tagline")
    required_fields = models.JSONField(default=list, blank=True)
    extension_window_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Days after purchase to earn the extended term; empty means any time."
    )
    require_known_serial = models.BooleanField(default=False)
    verification = models.CharField(max_length=16, choices=VerificationMode.choices, default=VerificationMode.OFF)
    serial_formats = models.JSONField(default=list, blank=True)
    issue_types = models.JSONField(default=list, blank=True, help_text='[{"code": ..., "label": ...}]')
    # The portal's languages, codes of settings.LANGUAGES; empty offers every language the product ships.
    languages = models.JSONField(default=list, blank=True, help_text='["en", "de"]: the languages the portal offers')
    default_language = models.CharField(max_length=8, blank=True, help_text="the portal's language when the customer's is not offered")
    # The brand's own words for its marketing opt-in at registration and sign-up; empty: the product's default.
    marketing_consent_text = models.TextField(blank=True, default="", db_default="")
    resolutions = models.JSONField(default=list, blank=True)
    replacement_terms = models.CharField(
        max_length=16, choices=ReplacementTerms.choices, default=ReplacementTerms.NEW_TERM
    )
    is_active = models.BooleanField(default=True)
    # Service levels and analytics settings (README "Analytics"); the admin settings API exposes them.
    sla_first_response_hours = models.PositiveIntegerField(default=24, db_default=24)
    sla_resolution_days = models.PositiveIntegerField(default=10, db_default=10)
    failure_rate_alert_percent = models.DecimalField(max_digits=5, decimal_places=2, default=1.5, db_default=1.5)
    risk_early_claim_days = models.PositiveIntegerField(default=14, db_default=14)
    collection = models.ForeignKey(
        "wagtailcore.Collection", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    admin_group = models.ForeignKey("auth.Group", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    agent_group = models.ForeignKey("auth.Group", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name

    @property
    def issue_type_codes(self) -> list[str]:
        return [item["code"] for item in self.issue_types]


class StaffRole(models.TextChoices):
    ADMIN = "admin", "Admin"
    AGENT = "agent", "Agent"


class Membership(TimeStamped):
    """A staff user's role in one tenant; a person may work for several brands."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=StaffRole.choices)
    # Deactivation is per tenant: one brand's admin cannot lock a person out of another brand.
    is_active = models.BooleanField(default=True)
    # Stamped into every token issued for this tenant; deactivation moves it on, so the tokens issued before stay
    # refused after a reactivation (the account's sessions at other brands are untouched).
    sessions_version = models.PositiveIntegerField(default=0)
    # Empty while the membership is an invitation the person has not accepted: it gives no access until then.
    # Staff accounts are shared across brands, so one brand adding an existing account takes its consent.
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "tenant"], name="membership_unique_user_tenant")]

    def __str__(self) -> str:
        return f"{self.user} ({self.role} of {self.tenant.slug})"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None


class ConfigChange(models.Model):
    class Target(models.TextChoices):
        SETTINGS = "settings", "Settings"
        CATEGORY = "category", "Category"
        PRODUCT = "product", "Product"

    class Action(models.TextChoices):
        CREATE = "create", "Create"
        UPDATE = "update", "Update"
        DELETE = "delete", "Delete"

    id = PublicIdField(prefix="cfg_", primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="config_changes")
    # The account may later be removed; its address at the time stays with the record.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_email = models.CharField(max_length=254, blank=True)
    target = models.CharField(max_length=16, choices=Target.choices)
    target_key = models.CharField(max_length=100, blank=True, help_text="The category's slug, the product's id")
    action = models.CharField(max_length=8, choices=Action.choices)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "-created_at", "-id"], name="configchange_tenant_idx")]

    def __str__(self) -> str:
        return f"{self.action} {self.target} {self.target_key}"
