"""Each warranty keeps the contact details its registration sent; the customer record says when its verified
account last set its own.

Until now every registration of an email overwrote the one record all its warranties shared (the shipping
address of their fulfillments). Existing warranties take their record's current details, which is what they
shipped to so far; no record is marked as set by its account, since nothing says which were.
"""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_record_contact_to_warranties(apps, schema_editor):
    Customer = apps.get_model("warranty_api", "Customer")
    Warranty = apps.get_model("warranty_api", "Warranty")
    record = Customer.objects.filter(pk=OuterRef("customer_id"))
    Warranty.objects.update(
        contact_name=Subquery(record.values("name")[:1]),
        contact_phone=Subquery(record.values("phone")[:1]),
        contact_address=Subquery(record.values("address")[:1]),
    )


class Migration(migrations.Migration):

    dependencies = [
        ('warranty_api', '0019_claim_reference'),
    ]

    operations = [
        migrations.AddField(
            model_name='customer',
            name='owner_contact_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='warranty',
            name='contact_address',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name='warranty',
            name='contact_name',
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name='warranty',
            name='contact_phone',
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.RunPython(copy_record_contact_to_warranties, migrations.RunPython.noop, elidable=True),
    ]
