"""`manage.py seed_demo`: the demo brand of `make run`, its staff logins; safe to run again."""

import datetime
import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from warranty_api.accounts.models import User
from warranty_api.accounts.services import account_register, account_verify_email, email_verification_token
from warranty_api.onboarding.config_file import validate_tenant_config
from warranty_api.onboarding.services import staff_create, tenant_config_apply
from warranty_api.tenancy.models import Tenant
from warranty_api.warranties.models import Warranty
from warranty_api.warranties.services import warranty_register

DEMO_FILE = Path(settings.BASE_DIR) / "demo" / "ridgeline.json"
DEMO_CUSTOMER = ("customer@ridgeline.example", "Marmot-camp-42", "Casey Camper")
DEMO_STAFF = (
    ("admin@ridgeline.example", "admin", "Kestrel-ridge-42"),
    ("agent@ridgeline.example", "agent", "Osprey-trail-42"),
)


class Command(BaseCommand):
    help = "Load the demo brand (demo/ridgeline.json) and its demo logins. Existing data is kept."

    def handle(self, *args, **options):
        spec, errors = validate_tenant_config(json.loads(DEMO_FILE.read_text()))
        if errors:
            raise SystemExit("demo/ridgeline.json is invalid:\n" + "\n".join(errors))
        report = tenant_config_apply(spec)
        tenant = Tenant.objects.get(slug=spec.slug)
        for email, role, password in DEMO_STAFF:
            user = User.objects.filter(tenant__isnull=True, email=email).first()
            if user is None or not user.has_usable_password():
                _user, lines = staff_create(tenant=tenant, email=email, role=role, password=password)
                report.extend(lines)
        report.extend(_demo_customer(tenant))
        report.extend(_demo_warranties(tenant))
        self.stdout.write(f"Demo brand '{tenant.slug}': " + (f"{len(report)} change(s)" if report else "up to date"))


def _demo_customer(tenant) -> list[str]:
    """A verified customer login, made through the same services as a real sign-up."""
    email, password, name = DEMO_CUSTOMER
    if User.objects.filter(tenant=tenant, email=email).exists():
        return []
    user = account_register(tenant=tenant, email=email, password=password, name=name, send_verification=False)
    token = email_verification_token(tenant=tenant, user=user, target=email)
    account_verify_email(tenant=tenant, token=token, user=user)  # the operator acts as the new account
    return [f"created demo customer {email}"]


# (serial, days since purchase, email, name): two for the demo customer, one for someone else, one long expired.
DEMO_WARRANTIES = (
    ("RL-TN00-339563", 12, DEMO_CUSTOMER[0], DEMO_CUSTOMER[2]),
    ("RL-BP03-100201", 200, DEMO_CUSTOMER[0], DEMO_CUSTOMER[2]),
    ("RL-ST06-100301", 3, "jordan@example.com", "Jordan Hiker"),
    ("RL-LT09-100401", 1200, "sam@example.com", "Sam Trail"),
)


def _demo_warranties(tenant) -> list[str]:
    """A few registrations through the real service, so the portal and admin lists are not empty."""
    report = []
    today = timezone.localdate()
    for serial, age, email, name in DEMO_WARRANTIES:
        if Warranty.objects.filter(tenant=tenant, serial_number=serial).exists():
            continue
        purchase = today - datetime.timedelta(days=age)
        data = {
            "serial_number": serial,
            "purchase_date": purchase,
            "retailer": "Ridgeline Flagship Store",
            "customer": {"email": email, "name": name, "phone": "+1-555-0100",
                         "address": {"street": "1 Summit Rd", "city": "Boulder", "state": "CO", "zip": "80302"}},
        }
        # Registered the day after purchase, as a customer scanning the box would.
        warranty_register(tenant=tenant, data=data, today=purchase + datetime.timedelta(days=1))
        report.append(f"registered demo warranty {serial}")
    return report
