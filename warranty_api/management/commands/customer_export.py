"""`manage.py customer_export TENANT EMAIL [--output FILE]`: everything held about a customer, as JSON."""

import json

from django.core.management.base import BaseCommand, CommandError

from warranty_api.privacy.selectors import customer_data_export
from warranty_api.tenancy.models import Tenant


class Command(BaseCommand):
    help = "Print everything a tenant holds about one customer email as JSON (a data access request)."

    def add_arguments(self, parser):
        parser.add_argument("tenant", help="The tenant's slug")
        parser.add_argument("email")
        parser.add_argument("--output", help="Write the JSON to this file instead of the standard output")

    def handle(self, *args, **options):
        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"There is no tenant '{options['tenant']}'.")
        export = customer_data_export(tenant=tenant, email=options["email"])
        if export is None:
            raise CommandError(f"Nothing is held about {options['email']!r} at {tenant.slug}.")
        text = json.dumps(export, indent=2, ensure_ascii=False)
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as out:
                out.write(text + "\n")
        else:
            self.stdout.write(text)
