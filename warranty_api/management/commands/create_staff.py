"""`manage.py create_staff TENANT EMAIL --role admin|agent [--password PASSWORD]`."""

import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from warranty_api.accounts.selectors import email_acceptable
from warranty_api.core.emails import normalize_email
from warranty_api.onboarding.services import staff_create
from warranty_api.tenancy.models import StaffRole, Tenant


class Command(BaseCommand):
    help = "Create a staff account (or set its password) with a role in one tenant."

    def add_arguments(self, parser):
        parser.add_argument("tenant", help="The tenant's slug")
        parser.add_argument("email")
        parser.add_argument("--role", required=True, choices=[r.value for r in StaffRole])
        parser.add_argument("--password", help="Asked for at a prompt when left out")

    def handle(self, *args, **options):
        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"There is no tenant '{options['tenant']}'. Load it first with load_tenant.")
        if not email_acceptable(normalize_email(options["email"])):
            raise CommandError(f"Email refused: {options['email']!r} is not an email address.")
        password = options["password"]
        if password is None:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ.")
        try:
            _user, report = staff_create(tenant=tenant, email=options["email"], role=options["role"], password=password)
        except ValidationError as exc:
            raise CommandError("Password refused: " + " ".join(exc.messages)) from exc
        for line in report:
            self.stdout.write(line)
