"""Claims get a short reference per brand (RI-1001); the claims already there are numbered by age."""

import django.db.models.deletion
from django.db import migrations, models

REFERENCE_START = 1000


def _prefix(slug: str) -> str:
    # A copy of models.claims.claim_reference_prefix as it is at this migration.
    parts = [part for part in slug.split("-") if part]
    letters = "".join(part[0] for part in parts[:4]) if len(parts) > 1 else slug[:2]
    return letters.upper()


def number_existing_claims(apps, schema_editor):
    Tenant = apps.get_model("warranty_api", "Tenant")
    Claim = apps.get_model("warranty_api", "Claim")
    ClaimCounter = apps.get_model("warranty_api", "ClaimCounter")
    for tenant in Tenant.objects.all():
        claims = list(Claim.objects.filter(tenant=tenant).order_by("created_at", "id"))
        prefix = _prefix(tenant.slug)
        for number, claim in enumerate(claims, start=1):
            claim.reference = f"{prefix}-{REFERENCE_START + number}"
        Claim.objects.bulk_update(claims, ["reference"], batch_size=1000)
        if claims:
            ClaimCounter.objects.create(tenant=tenant, last_value=len(claims))


class Migration(migrations.Migration):

    dependencies = [
        ('warranty_api', '0018_membership_invitations_and_sessions'),
    ]

    operations = [
        migrations.CreateModel(
            name='ClaimCounter',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('last_value', models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.AddField(
            model_name='claim',
            name='reference',
            field=models.CharField(blank=True, help_text='Short and unique per brand: RI-1001.', max_length=24),
        ),
        migrations.AddField(
            model_name='claimcounter',
            name='tenant',
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='warranty_api.tenant'),
        ),
        migrations.RunPython(number_existing_claims, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='claim',
            constraint=models.UniqueConstraint(condition=models.Q(('reference', ''), _negated=True), fields=('tenant', 'reference'), name='claim_unique_reference'),
        ),
    ]
