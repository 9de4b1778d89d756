"""Known serials keyed by (tenant, serial) alone, with set-based reference checks instead of foreign keys.

The table held a surrogate id, a unique index on (tenant, serial), indexes on both references and two
per-row foreign keys; a bulk COPY of a million serials spent most of its time there. Now the key is the
only index, and on PostgreSQL one statement-level trigger checks a whole statement's rows in one join,
more strictly than the foreign keys did: the product must belong to the row's tenant.

Django cannot turn a single-column primary key into a composite one in place, so the table is made anew
and the rows copied over.
"""

import django.db.models.deletion
from django.db import migrations, models

CHECK_FUNCTION = """
CREATE OR REPLACE FUNCTION warranty_api_knownserial_check_refs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A batch names few products: check each distinct (tenant, product) once, not each row.
    IF EXISTS (
        SELECT 1 FROM (SELECT DISTINCT tenant_id, product_id FROM written_rows) AS named
        WHERE NOT EXISTS (
            SELECT 1 FROM warranty_api_product AS p WHERE p.id = named.product_id AND p.tenant_id = named.tenant_id
        )
    ) THEN
        RAISE EXCEPTION 'a known serial must name a product of its own tenant'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$;
"""
TRIGGERS = [
    "CREATE TRIGGER knownserial_refs_on_insert AFTER INSERT ON warranty_api_knownserial "
    "REFERENCING NEW TABLE AS written_rows FOR EACH STATEMENT EXECUTE FUNCTION warranty_api_knownserial_check_refs()",
    "CREATE TRIGGER knownserial_refs_on_update AFTER UPDATE ON warranty_api_knownserial "
    "REFERENCING NEW TABLE AS written_rows FOR EACH STATEMENT EXECUTE FUNCTION warranty_api_knownserial_check_refs()",
]
DROP = [
    "DROP TRIGGER IF EXISTS knownserial_refs_on_insert ON warranty_api_knownserial",
    "DROP TRIGGER IF EXISTS knownserial_refs_on_update ON warranty_api_knownserial",
    "DROP FUNCTION IF EXISTS warranty_api_knownserial_check_refs()",
]


def copy_rows(apps, schema_editor):
    schema_editor.execute(
        "INSERT INTO warranty_api_knownserial_keyed (tenant_id, serial_number, product_id, manufactured_on) "
        "SELECT tenant_id, serial_number, product_id, manufactured_on FROM warranty_api_knownserial"
    )


def copy_rows_back(apps, schema_editor):
    schema_editor.execute(
        "INSERT INTO warranty_api_knownserial (tenant_id, serial_number, product_id, manufactured_on) "
        "SELECT tenant_id, serial_number, product_id, manufactured_on FROM warranty_api_knownserial_keyed"
    )


def add_reference_checks(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite, the embedded development database, keeps the ORM's checks only
    schema_editor.execute(
        "ALTER INDEX IF EXISTS warranty_api_knownserial_keyed_pkey RENAME TO warranty_api_knownserial_pkey"
    )
    schema_editor.execute(CHECK_FUNCTION)
    for statement in TRIGGERS:
        schema_editor.execute(statement)


def drop_reference_checks(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in DROP:
        schema_editor.execute(statement)
    schema_editor.execute(
        "ALTER INDEX IF EXISTS warranty_api_knownserial_pkey RENAME TO warranty_api_knownserial_keyed_pkey"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("warranty_api", "0010_webhooks"),
    ]

    operations = [
        migrations.CreateModel(
            name="KnownSerialKeyed",
            fields=[
                ("pk", models.CompositePrimaryKey("tenant", "serial_number", blank=True, editable=False,
                                                  primary_key=True, serialize=False)),
                ("serial_number", models.CharField(max_length=100)),
                ("manufactured_on", models.DateField(blank=True, null=True)),
                ("product", models.ForeignKey(db_constraint=False, db_index=False,
                                              on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                              to="warranty_api.product")),
                ("tenant", models.ForeignKey(db_constraint=False, db_index=False,
                                             on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                             to="warranty_api.tenant")),
            ],
            options={"db_table": "warranty_api_knownserial_keyed"},
        ),
        migrations.RunPython(copy_rows, copy_rows_back),
        migrations.DeleteModel(name="KnownSerial"),
        migrations.RenameModel(old_name="KnownSerialKeyed", new_name="KnownSerial"),
        migrations.AlterModelTable(name="knownserial", table=None),
        migrations.AlterField(
            model_name="knownserial",
            name="product",
            field=models.ForeignKey(db_constraint=False, db_index=False,
                                    on_delete=django.db.models.deletion.CASCADE, related_name="known_serials",
                                    to="warranty_api.product"),
        ),
        migrations.AlterField(
            model_name="knownserial",
            name="tenant",
            field=models.ForeignKey(db_constraint=False, db_index=False,
                                    on_delete=django.db.models.deletion.CASCADE, related_name="known_serials",
                                    to="warranty_api.tenant"),
        ),
        migrations.RunPython(add_reference_checks, drop_reference_checks),
    ]
