"""Emails in their one normalised form (`normalize_email`: NFKC, lower case), found by that exact value.

Sign-in, sign-up and reset used to match `email__iexact` (PostgreSQL: `UPPER(email) = UPPER(...)`), which folds
letters Python's `lower()` keeps apart (`UPPER` turns the long s U+017F into `S`): a look-alike spelling reached
an account while the lockout and the rate limits counted it as another address. Every path now stores and looks
up the normalised form, so the unique constraints' own indexes serve the lookups and the two UPPER(email)
indexes of 0015 go.

Stored rows are brought to that form. When two rows of one scope (a brand's customer accounts, the staff
accounts, a brand's customer records) normalise to the same address, one keeps it: the row already spelled that
way, else a verified account (for customer records: one linked to an account), else the oldest. The others keep
their spelling, which no lookup reaches any more; such duplicate accounts are also deactivated, so their tokens
stop working. Nothing is deleted and no warranty changes hands.
"""

import unicodedata

from django.db import migrations

import warranty_api.accounts.models


def _normal(email: str) -> str:
    # normalize_email as of this migration (a migration must not follow later changes of the code).
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", email or "").strip().lower())


def _normalise_users(User) -> None:
    rows = [row for row in User.objects.values_list("id", "tenant_id", "email", "username", "email_verified_at")
            if _normal(row[2]) != row[2]]
    rows.sort(key=lambda row: (row[4] is None, row[0]))  # verified first, then the oldest
    claimed = set()
    for pk, tenant_id, email, username, _verified in rows:
        normal = _normal(email)
        scope = User.objects.filter(tenant_id=tenant_id) if tenant_id else User.objects.filter(tenant__isnull=True)
        if (tenant_id, normal) in claimed or scope.filter(email=normal).exclude(pk=pk).exists():
            User.objects.filter(pk=pk).update(is_active=False)
            continue
        claimed.add((tenant_id, normal))
        changes = {"email": normal}
        derived = f"{tenant_id}:{email}" if tenant_id else email
        new_username = f"{tenant_id}:{normal}" if tenant_id else normal
        if username == derived and not User.objects.filter(username=new_username).exclude(pk=pk).exists():
            changes["username"] = new_username
        User.objects.filter(pk=pk).update(**changes)
    for pk, pending in User.objects.exclude(pending_email="").values_list("id", "pending_email"):
        if _normal(pending) != pending:
            User.objects.filter(pk=pk).update(pending_email=_normal(pending))


def _normalise_customers(Customer) -> None:
    rows = [row for row in Customer.objects.values_list("id", "tenant_id", "email", "account_id", "created_at")
            if _normal(row[2]) != row[2]]
    rows.sort(key=lambda row: (row[3] is None, row[4]))  # linked to an account first, then the oldest
    claimed = set()
    for pk, tenant_id, email, _account, _created in rows:
        normal = _normal(email)
        taken = Customer.objects.filter(tenant_id=tenant_id, email=normal).exclude(pk=pk).exists()
        if (tenant_id, normal) in claimed or taken:
            continue
        claimed.add((tenant_id, normal))
        Customer.objects.filter(pk=pk).update(email=normal)


def _normalise_transfers(WarrantyTransfer) -> None:
    for pk, email in WarrantyTransfer.objects.values_list("id", "to_email"):
        if _normal(email) != email:
            WarrantyTransfer.objects.filter(pk=pk).update(to_email=_normal(email))


def normalise_stored_emails(apps, schema_editor):
    _normalise_users(apps.get_model("warranty_api", "User"))
    _normalise_customers(apps.get_model("warranty_api", "Customer"))
    _normalise_transfers(apps.get_model("warranty_api", "WarrantyTransfer"))


class Migration(migrations.Migration):

    dependencies = [
        ('warranty_api', '0015_account_email_lookup_indexes'),
    ]

    operations = [
        migrations.RunPython(normalise_stored_emails, migrations.RunPython.noop, elidable=True),
        migrations.AlterModelManagers(
            name='user',
            managers=[
                ('objects', warranty_api.accounts.models.AccountManager()),
            ],
        ),
        migrations.RemoveIndex(
            model_name='user',
            name='user_customer_email_ci_idx',
        ),
        migrations.RemoveIndex(
            model_name='user',
            name='user_staff_email_ci_idx',
        ),
    ]
