"""`manage.py export_tenant SLUG [FILE]`: a brand's current configuration as a tenant file (no secrets)."""

import json

from django.core.management.base import BaseCommand, CommandError, OutputWrapper

from warranty_api.onboarding.config_file import tenant_config_export
from warranty_api.tenancy.models import Tenant


class Command(BaseCommand):
    help = (
        "Write a tenant's current configuration in the format of load_tenant (TENANT_CONFIG.md), to FILE or "
        "standard output. Secrets and passwords are never in it; loading it back reports no changes."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The tenant's slug")
        parser.add_argument("file", nargs="?", help="Where to write the JSON (default: standard output)")
        parser.add_argument("--without-serials", action="store_true", help="Leave out the known serial list")

    def handle(self, *args, **options):
        tenant = Tenant.objects.filter(slug=options["slug"]).first()
        if tenant is None:
            raise CommandError(f"There is no tenant '{options['slug']}'.")
        document, serials = tenant_config_export(tenant)
        path = options["file"]
        try:
            out = open(path, "w", encoding="utf-8") if path else None  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc.strerror}") from exc
        stream = out or self.stdout
        try:
            count = _write(stream, document, () if options["without_serials"] else serials)
        finally:
            if out:
                out.close()
        if path:
            self.stderr.write(f"Wrote {tenant.slug} to {path} ({count} known serials).")


def _write(stream, document: dict, serials) -> int:
    """The document, then its serials one per line as they are read (a list of millions is never in memory)."""
    head = json.dumps(document, indent=2, ensure_ascii=False)
    # Django's OutputWrapper ends every write with a newline unless told otherwise.
    write = (lambda text: stream.write(text, ending="")) if isinstance(stream, OutputWrapper) else stream.write
    write(head[:-2] + ',\n  "serials": [')
    count = 0
    for item in serials:
        write(("\n    " if count == 0 else ",\n    ") + json.dumps(item, ensure_ascii=False))
        count += 1
    write(("\n  " if count else "") + "]\n}\n")
    return count
