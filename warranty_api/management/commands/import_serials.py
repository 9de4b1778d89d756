"""`manage.py import_serials TENANT FILE.csv`: load known serials (serial_number,sku[,manufactured_on])."""

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from warranty_api.catalog.imports.services import ImportResult, serials_import
from warranty_api.tenancy.models import Tenant


class Command(BaseCommand):
    help = "Import a CSV of known serials (header optional). Bad lines are reported; good ones are kept."

    def add_arguments(self, parser):
        parser.add_argument("tenant", help="The tenant's slug")
        parser.add_argument("file", help="CSV with columns serial_number,sku[,manufactured_on]")
        parser.add_argument("--quiet-progress", action="store_true", help="No progress line (logs, CI)")
        parser.add_argument("--batch", default="", help="Name of this import batch (at most 40 characters); "
                            "failure rates and notices can select by it")

    def handle(self, *args, tenant, file, quiet_progress=False, batch="", **options):
        if len(batch) > 40 or not batch.isprintable():
            raise CommandError("--batch is at most 40 printable characters.")
        brand = Tenant.objects.filter(slug=tenant).first()
        if brand is None:
            raise CommandError(f"There is no tenant '{tenant}'.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"There is no file {file}.")
        size = path.stat().st_size or 1
        started = time.monotonic()
        show = not quiet_progress and sys.stderr.isatty()

        def progress(result: ImportResult) -> None:
            if not show:
                return
            elapsed = max(time.monotonic() - started, 1e-6)
            percent = min(100, result.bytes_read * 100 // size)
            self.stderr.write(
                f"\r{percent:3d}%  {result.rows_total:,} rows  {result.rows_total / elapsed:,.0f} rows/s", ending=""
            )
            self.stderr.flush()

        with path.open("rb") as stream:
            result = serials_import(tenant=brand, stream=stream, progress=progress, batch=batch)
        if show:
            self.stderr.write("")
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"{result.rows_total} rows in {elapsed:.1f}s: {result.rows_created} created, {result.rows_updated} updated, "
            f"{result.rows_unchanged} unchanged, {result.rows_failed} refused"
        )
        for error in result.errors:
            self.stdout.write(f"  line {error['line']}: {error['message']}")
        if result.rows_failed > len(result.errors):
            self.stdout.write(f"  ... and {result.rows_failed - len(result.errors)} more refused lines")
