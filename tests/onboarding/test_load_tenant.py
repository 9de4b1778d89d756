"""manage.py load_tenant and create_staff, exactly as TENANT_CONFIG.md describes them."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import tenant_config
from warranty_api.models import Category, KnownSerial, Membership, Product, Tenant, User


def _write(tmp_path, data, name="tenant.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


def _load(path):
    out, err = StringIO(), StringIO()
    call_command("load_tenant", path, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _snapshot():
    return (
        list(Tenant.objects.values()),
        list(Category.objects.values()),
        list(Product.objects.values()),
        KnownSerial.objects.count(),
        User.objects.count(),
    )


@pytest.mark.django_db
def test_good_file_loads_then_second_run_changes_nothing(tmp_path):
    path = _write(tmp_path, tenant_config())
    out, _ = _load(path)
    assert "created tenant northpeak" in out and "created product TP9-ELITE-SC" in out
    tenant = Tenant.objects.get(slug="northpeak")
    assert tenant.required_fields == ["phone", "address"] and tenant.extension_window_days == 30
    assert KnownSerial.objects.get(tenant=tenant).serial_number == "SN-CA-20250115"
    lead = User.objects.get(email="lead@northpeak.example")
    assert not lead.has_usable_password()  # passwords come from create_staff, never from the file
    assert Membership.objects.get(user=lead, tenant=tenant).role == "admin"
    before = _snapshot()
    out, _ = _load(path)
    assert out.strip() == "Tenant northpeak: no changes."
    assert _snapshot() == before


@pytest.mark.django_db
def test_three_mistakes_are_all_reported_with_paths_and_nothing_is_written(tmp_path):
    data = tenant_config()
    data["categories"].append({"slug": "optics", "name": "Optics", "standard_months": 0, "coverage": "repair"})
    data["products"][0]["category"] = "nope"
    data["registration"]["verification"] = "sometimes"
    path = _write(tmp_path, data)
    err = StringIO()
    with pytest.raises(CommandError, match="3 problem"):
        call_command("load_tenant", path, stdout=StringIO(), stderr=err)
    lines = err.getvalue().strip().splitlines()
    assert "categories[1].standard_months: must be > 0" in lines
    assert any(line.startswith("products[0].category:") for line in lines)
    assert any(line.startswith("registration.verification:") for line in lines)
    assert not Tenant.objects.exists() and not Product.objects.exists()


@pytest.mark.django_db
def test_bad_update_leaves_the_existing_tenant_untouched(tmp_path):
    _load(_write(tmp_path, tenant_config()))
    before = _snapshot()
    bad = tenant_config(name="Renamed")
    bad["serials"][0]["manufactured_on"] = "15/01/2025"
    with pytest.raises(CommandError):
        call_command("load_tenant", _write(tmp_path, bad, "bad.json"), stdout=StringIO(), stderr=StringIO())
    assert _snapshot() == before


@pytest.mark.django_db
def test_changes_are_reported_and_applied(tmp_path):
    _load(_write(tmp_path, tenant_config()))
    data = tenant_config(name="Northpeak Outdoor Co")
    data["categories"][0]["standard_months"] = 18
    data["products"] = []
    data["serials"] = []
    out, _ = _load(_write(tmp_path, data, "v2.json"))
    assert "updated tenant northpeak: name: 'Northpeak Outdoor' -> 'Northpeak Outdoor Co'" in out
    assert "updated category handguns: standard_months: 12 -> 18" in out
    assert "deactivated product TP9-ELITE-SC (not in the file)" in out
    assert not Product.objects.get(sku="TP9-ELITE-SC").is_active


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d.update(slug="Bad Slug"), "slug:"),
        (lambda d: d.update(slug="api"), "slug: is reserved"),
        (lambda d: d.update(support_email="nope"), "support_email: must be an email address"),
        (lambda d: d.update(serial_formats=["SN-[A-Z"]), "serial_formats[0]: is not a valid regular expression"),
        (lambda d: d.update(colour="red"), "colour: is not a known field"),
        (lambda d: d["branding"].update(primary_color="green"), "branding.primary_color:"),
        (lambda d: d["registration"].update(required_fields=["shoe_size"]), "registration.required_fields[0]:"),
        (lambda d: d["claims"]["issue_types"].append({"code": "Bad Code", "label": "x"}), "claims.issue_types[2].code:"),
        (lambda d: d["serials"][0].update(sku="UNKNOWN"), "serials[0].sku:"),
        (lambda d: d["staff"][0].update(role="owner"), "staff[0].role:"),
        (lambda d: d["categories"][0].update(extended_months=6), "categories[0].extended_months:"),
    ],
)
def test_each_rule_names_its_path(tmp_path, mutate, expected):
    data = tenant_config()
    mutate(data)
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("load_tenant", _write(tmp_path, data), stdout=StringIO(), stderr=err)
    assert expected in err.getvalue()
    assert not Tenant.objects.exists()


@pytest.mark.django_db
def test_not_json_is_refused(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{nope")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("load_tenant", str(path))


@pytest.mark.django_db
def test_create_staff_sets_password_and_role(tmp_path):
    _load(_write(tmp_path, tenant_config()))
    out = StringIO()
    call_command("create_staff", "northpeak", "agent@northpeak.example", "--role", "agent", "--password", "Long-enough-99", stdout=out)
    user = User.objects.get(email="agent@northpeak.example")
    assert user.check_password("Long-enough-99") and user.tenant is None
    assert Membership.objects.get(user=user).role == "agent"
    assert user.groups.filter(name="northpeak agents").exists()
    call_command("create_staff", "northpeak", "agent@northpeak.example", "--role", "admin", "--password", "Long-enough-99", stdout=out)
    assert Membership.objects.get(user=user).role == "admin"
    assert list(user.groups.values_list("name", flat=True)) == ["northpeak admins"]
    with pytest.raises(CommandError, match="Password refused"):
        call_command("create_staff", "northpeak", "x@northpeak.example", "--role", "agent", "--password", "123")
    with pytest.raises(CommandError, match="no tenant"):
        call_command("create_staff", "nobody", "x@northpeak.example", "--role", "agent", "--password", "Long-enough-99")


@pytest.mark.django_db
def test_same_email_is_two_separate_customer_accounts_at_two_brands(make_tenant, make_customer):
    a, b = make_tenant("northpeak"), make_tenant("southwind")
    one, two = make_customer(a, "same@example.com"), make_customer(b, "same@example.com")
    assert one.pk != two.pk and one.tenant == a and two.tenant == b
