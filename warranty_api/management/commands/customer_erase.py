"""`manage.py customer_erase TENANT EMAIL [--no-input]`: erase a customer's personal data, keeping the brand's record."""

import json

from django.core.management.base import BaseCommand, CommandError

from warranty_api.accounts.customers import CustomerErasure
from warranty_api.core.exceptions import ApiError
from warranty_api.privacy.serializers import customer_erasure_data
from warranty_api.privacy.services import customer_erase
from warranty_api.tenancy.models import Tenant


class Command(BaseCommand):
    help = (
        "Erase what a tenant holds about one customer email (warranties and claim outcomes are kept, the person "
        "replaced by a tombstone); prints the audit record. Running it again prints the same record."
    )

    def add_arguments(self, parser):
        parser.add_argument("tenant", help="The tenant's slug")
        parser.add_argument("email")
        parser.add_argument("--no-input", "--noinput", action="store_false", dest="interactive",
                            help="Do not ask for confirmation")

    def handle(self, *args, **options):
        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"There is no tenant '{options['tenant']}'.")
        if options["interactive"]:
            answer = input(f"Erase the personal data of {options['email']} at {tenant.slug}? This cannot be undone. [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                raise CommandError("Nothing erased.")
        try:
            erasure = customer_erase(tenant=tenant, email=options["email"], actor=None, via=CustomerErasure.Via.COMMAND)
        except ApiError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(json.dumps(customer_erasure_data(erasure), indent=2))
