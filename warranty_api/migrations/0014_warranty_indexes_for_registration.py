"""Fewer index entries per registration: partial indexes for the references that are NULL on most rows.

Every registration writes a warranty row and its audit event, so each of their indexes is one more B-tree
update on the busiest write. Here:

- the warranty's owner, receipt (`proof_of_purchase`) and replaced warranty, and the event's actor, are NULL
  on an anonymous registration: their indexes become partial (`WHERE ... IS NOT NULL`), which still serve
  every lookup by a value and the `SET NULL` of a deleted user, upload or warranty;
- the owner's and the customer's composite indexes no longer start with the tenant (an account or a
  customer record is of one tenant), so they also serve the foreign key's lookups and the single-column
  indexes of `customer_id` and `owner_id` go;
- the warranty's own `created_at` index goes: warranties are read per tenant (`warranty_tenant_created_idx`).

The fields' `db_index=False` is state only: the database side drops just the single-column indexes. Letting
Django alter each field would also drop and re-add its foreign key, which re-checks every row of the table
under an exclusive lock.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# (model, field) whose own single-column index goes.
FIELD_INDEXES = [
    ("warranty", "created_at"),
    ("warranty", "customer"),
    ("warranty", "owner"),
    ("warranty", "proof_of_purchase"),
    ("warranty", "replaces"),
    ("warrantyevent", "actor"),
]


def drop_field_indexes(apps, schema_editor):
    for model_name, field_name in FIELD_INDEXES:
        model = apps.get_model("warranty_api", model_name)
        name = schema_editor._create_index_name(model._meta.db_table, [model._meta.get_field(field_name).column], suffix="")
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def restore_field_indexes(apps, schema_editor):
    for model_name, field_name in FIELD_INDEXES:
        model = apps.get_model("warranty_api", model_name)
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[model._meta.get_field(field_name)]))


class Migration(migrations.Migration):
    dependencies = [
        ("warranty_api", "0013_user_credentials_version"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(model_name="warranty", name="warranty_owner_idx"),
        migrations.RemoveIndex(model_name="warranty", name="warranty_customer_idx"),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop_field_indexes, restore_field_indexes, elidable=False)],
            state_operations=[
                migrations.AlterField(
                    model_name="warranty",
                    name="created_at",
                    field=models.DateTimeField(auto_now_add=True),
                ),
                migrations.AlterField(
                    model_name="warranty",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="warranties",
                        to="warranty_api.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="warranty",
                    name="owner",
                    field=models.ForeignKey(
                        blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL,
                        related_name="warranties", to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="warranty",
                    name="proof_of_purchase",
                    field=models.ForeignKey(
                        blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+", to="warranty_api.media",
                    ),
                ),
                migrations.AlterField(
                    model_name="warranty",
                    name="replaces",
                    field=models.ForeignKey(
                        blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+", to="warranty_api.warranty",
                    ),
                ),
                migrations.AlterField(
                    model_name="warrantyevent",
                    name="actor",
                    field=models.ForeignKey(
                        blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="warranty",
            index=models.Index(fields=["customer", "created_at"], name="warranty_customer_created_idx"),
        ),
        migrations.AddIndex(
            model_name="warranty",
            index=models.Index(
                condition=models.Q(("owner__isnull", False)), fields=["owner", "created_at"],
                name="warranty_owner_created_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="warranty",
            index=models.Index(
                condition=models.Q(("proof_of_purchase__isnull", False)), fields=["proof_of_purchase"],
                name="warranty_receipt_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="warranty",
            index=models.Index(
                condition=models.Q(("replaces__isnull", False)), fields=["replaces"], name="warranty_replaces_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="warrantyevent",
            index=models.Index(
                condition=models.Q(("actor__isnull", False)), fields=["actor"], name="warranty_event_actor_idx"
            ),
        ),
    ]
