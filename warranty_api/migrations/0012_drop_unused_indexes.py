"""PostgreSQL only: drop indexes that every registration writes to and no query reads.

Every warranty registration inserts a customer, a warranty, its audit event and an email row; each index on
those tables is one more B-tree to update per registration (the warranty table had 20). Dropped here:

- the `*_like` (varchar_pattern_ops) twins Django adds beside the index of every character primary key,
  unique or foreign key on PostgreSQL, for `LIKE 'x%'` lookups. Ids and references are only ever compared
  whole (the one prefix search, on the serial number, has its own index, `warranty_serial_idx`);
- single-column `tenant_id` indexes of tables that have composite indexes led by `tenant_id`, which serve
  the same lookups (and the foreign key's cascades).

The model state is unchanged (those fields keep `db_index`), so `makemigrations` stays quiet; Django drops
and creates these indexes with `IF EXISTS` when it alters such a field, so a later migration still applies.
SQLite has no `_like` indexes and keeps its tenant indexes: nothing happens there.
"""

from django.db import migrations

# (model, field): the field's `_like` index goes.
LIKE_INDEXES = [
    ("warranty", "id"),
    ("warranty", "customer"),
    ("warranty", "product"),
    ("warranty", "proof_of_purchase"),
    ("warranty", "replaces"),
    ("customer", "id"),
    ("warrantyevent", "warranty"),
    ("notification", "id"),
    ("notification", "subject_ref"),
    ("webhookdelivery", "endpoint"),
    ("webhookdelivery", "public_id"),
]
# (model, field, the composite index or constraint led by tenant that replaces it)
TENANT_INDEXES = [
    ("warranty", "tenant", "warranty_tenant_created_idx"),
    ("customer", "tenant", "customer_unique_email"),
    ("notification", "tenant", "notification_tenant_status_idx"),
]


def _index_name(schema_editor, model, field, suffix):
    return schema_editor._create_index_name(model._meta.db_table, [field.column], suffix=suffix)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, field_name in LIKE_INDEXES:
        model = apps.get_model("warranty_api", model_name)
        name = _index_name(schema_editor, model, model._meta.get_field(field_name), "_like")
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")
    for model_name, field_name, _replacement in TENANT_INDEXES:
        model = apps.get_model("warranty_api", model_name)
        name = _index_name(schema_editor, model, model._meta.get_field(field_name), "")
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def restore(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, field_name in LIKE_INDEXES:
        model = apps.get_model("warranty_api", model_name)
        statement = schema_editor._create_like_index_sql(model, model._meta.get_field(field_name))
        if statement is not None:
            schema_editor.execute(statement)
    for model_name, field_name, _replacement in TENANT_INDEXES:
        model = apps.get_model("warranty_api", model_name)
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[model._meta.get_field(field_name)]))


class Migration(migrations.Migration):
    dependencies = [
        ("warranty_api", "0011_known_serial_bulk_friendly"),
    ]

    operations = [migrations.RunPython(drop, restore, elidable=False)]
