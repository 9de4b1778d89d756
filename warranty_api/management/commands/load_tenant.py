"""`manage.py load_tenant FILE.json`: create a tenant or bring it in line with its configuration file."""

import json

from django.core.management.base import BaseCommand, CommandError

from warranty_api.onboarding.config_file import validate_tenant_config
from warranty_api.onboarding.services import tenant_config_apply


class Command(BaseCommand):
    help = "Create or update a tenant from a JSON configuration file (see TENANT_CONFIG.md)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the tenant's JSON file")

    def handle(self, *args, **options):
        path = options["file"]
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(f"{path} is not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc

        spec, errors = validate_tenant_config(data)
        if errors:
            for error in errors:
                self.stderr.write(error)
            raise CommandError(f"{path} has {len(errors)} problem(s); nothing was written.")
        report = tenant_config_apply(spec)
        if not report:
            self.stdout.write(f"Tenant {spec.slug}: no changes.")
            return
        for line in report:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"Tenant {spec.slug}: {len(report)} change(s) applied."))
