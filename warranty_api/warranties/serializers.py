"""Inputs and outputs of the warranty endpoints."""


from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail, ValidationError

from warranty_api.accounts.customers import ADDRESS_KEYS
from warranty_api.catalog.imports.models import SerialImportJob
from warranty_api.catalog.selectors import product_image_url
from warranty_api.core.params import iso_date
from warranty_api.warranties.models import Warranty, WarrantyEvent
from warranty_api.warranties.selectors import warranty_contact

UNKNOWN_ADDRESS_KEY = "An address has only these parts: " + ", ".join(ADDRESS_KEYS) + "."


class IsoDateField(serializers.DateField):
    """A date exactly `YYYY-MM-DD` in ASCII digits; DRF's ISO 8601 parsing also takes `20261101`, week dates and
    other scripts' digits."""

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                return iso_date(value)
            except ValueError:
                self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


class AddressInput(serializers.Serializer):
    """The parts of ADDRESS_KEYS; any other key is refused by name (never dropped)."""

    street = serializers.CharField(max_length=200, required=False, allow_blank=True)
    street2 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    state = serializers.CharField(max_length=100, required=False, allow_blank=True)
    zip = serializers.CharField(max_length=20, required=False, allow_blank=True)
    country = serializers.CharField(max_length=100, required=False, allow_blank=True)

    def to_internal_value(self, data):
        if isinstance(data, dict) and (unknown := [key for key in data if key not in ADDRESS_KEYS]):
            raise ValidationError({key: [ErrorDetail(UNKNOWN_ADDRESS_KEY, code="unknown_field")] for key in unknown})
        return super().to_internal_value(data)


class RegistrationCustomerInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(max_length=200)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    address = AddressInput(required=False)
    marketing_consent = serializers.BooleanField(
        required=False, help_text="The brand's marketing opt-in was ticked: logged with its wording, not confirmed")


class WarrantyRegisterInput(serializers.Serializer):
    serial_number = serializers.CharField(max_length=100, trim_whitespace=True)
    purchase_date = IsoDateField()
    retailer = serializers.CharField(max_length=200, required=False, allow_blank=True)
    order_number = serializers.CharField(max_length=100, required=False, allow_blank=True)
    proof_of_purchase = serializers.RegexField(
        r"^media_[A-Za-z0-9]{1,40}$", required=False, allow_null=True,
        help_text="The id of the caller's own unattached upload: one a signed-in caller made, or a public upload "
                  "sent with its proof_of_purchase_token.",
    )
    proof_of_purchase_token = serializers.CharField(
        max_length=200, required=False, allow_null=True, allow_blank=True,
        help_text="The `upload_token` the public upload (`POST /api/p/<tenant>/upload`) answered: proves the "
                  "upload is the caller's. Needed for a public upload; a signed-in caller's own upload needs none.",
    )
    customer = RegistrationCustomerInput()


# One instance for every request: building a serializer deep-copies its declared fields, which cost more than
# the validation itself on the public registration's hot path. `run_validation` keeps no state on the
# instance, so threads may share it.
_REGISTER_INPUT = WarrantyRegisterInput()
_REGISTER_INPUT.fields  # noqa: B018 (built once here, not by the first requests racing for it)


_email_valid = EmailValidator()


def _text_spec(fields, names) -> tuple[tuple[str, int, bool], ...]:
    """(name, max length, required) of declared text fields, read from the serializer that declares them."""
    return tuple((name, fields[name].max_length, fields[name].required) for name in names)


_TOP_TEXT = _text_spec(_REGISTER_INPUT.fields, ("serial_number", "retailer", "order_number"))
_CUSTOMER_FIELDS = _REGISTER_INPUT.fields["customer"].fields
_CUSTOMER_TEXT = _text_spec(_CUSTOMER_FIELDS, ("email", "name", "phone"))
_ADDRESS_KEYS = frozenset(ADDRESS_KEYS)
_ADDRESS_TEXT = _text_spec(_CUSTOMER_FIELDS["address"].fields, list(_CUSTOMER_FIELDS["address"].fields))


def _plain_text(value, max_length: int, required: bool):
    """The stripped text a CharField gives for `value`, or None when this body needs the serializer to say.

    Only ASCII without NUL is taken here: anything else (surrogates, other types, lengths over the limit, a
    blank required field) goes to the serializer, whose answer is the one the client gets.
    """
    if type(value) is not str or not value.isascii() or "\x00" in value:
        return None
    value = value.strip()
    if len(value) > max_length or (required and not value):
        return None
    return value


def _plain_texts(source: dict, spec, out: dict) -> bool:
    """Copy the text fields of `spec` from `source` into `out` as the serializer would; False when one of them
    needs the serializer to say."""
    for name, max_length, required in spec:
        if name in source:
            value = _plain_text(source[name], max_length, required)
            if value is None:
                return False
            out[name] = value
        elif required:
            return False
    return True


def register_input_plain(data) -> dict | None:
    """The validated body for the plain, common case of a registration, without the serializer's machinery;
    None for anything else (the serializer then decides). For every body it takes, the result equals the
    serializer's validated data (tests/warranties/test_registration_hot_path.py checks it property-wise)."""
    if type(data) is not dict or "proof_of_purchase" in data or "proof_of_purchase_token" in data:
        return None
    out = {}
    if not _plain_texts(data, _TOP_TEXT, out):
        return None
    try:
        out["purchase_date"] = iso_date(data.get("purchase_date"))
    except ValueError:
        return None
    customer = data.get("customer")
    person = {}
    if type(customer) is not dict or "marketing_consent" in customer or not _plain_texts(customer, _CUSTOMER_TEXT, person):
        return None
    try:
        _email_valid(person["email"])
    except DjangoValidationError:
        return None
    if "address" in customer:
        address, kept = customer["address"], {}
        if type(address) is not dict or not address.keys() <= _ADDRESS_KEYS or not _plain_texts(address, _ADDRESS_TEXT, kept):
            return None
        person["address"] = kept
    out["customer"] = person
    return out


def warranty_register_input(data) -> dict:
    """The validated body of a registration, exactly as `WarrantyRegisterInput(data=data).is_valid()` gives it.

    The common plain body is checked directly (`register_input_plain`); any other goes through the shared
    serializer, and a refused body is validated again by a fresh one, so its errors are the serializer's own,
    edge cases included (a `null` body answers "No data provided").
    """
    plain = register_input_plain(data)
    if plain is not None:
        return plain
    try:
        return _REGISTER_INPUT.run_validation(data)
    except ValidationError:
        pass
    body = WarrantyRegisterInput(data=data)
    body.is_valid(raise_exception=True)
    return body.validated_data


class WarrantyProductOutput(serializers.Serializer):
    id = serializers.CharField()
    sku = serializers.CharField()
    name = serializers.CharField()
    category = serializers.CharField(source="category.name")
    category_slug = serializers.CharField(source="category.slug")
    image_url = serializers.SerializerMethodField(
        help_text="The product's image, sized for a page (at most 720 by 480 pixels); null when it has none"
    )

    def get_image_url(self, product) -> str | None:
        return product_image_url(product)


class WarrantyOutput(serializers.ModelSerializer):
    product = WarrantyProductOutput()
    status = serializers.SerializerMethodField()
    proof_of_purchase = serializers.CharField(source="proof_of_purchase_id", allow_null=True)
    registered_at = serializers.DateTimeField(source="created_at")
    replaces = serializers.CharField(source="replaces_id", allow_null=True)

    class Meta:
        model = Warranty
        fields = [
            "id", "serial_number", "product", "warranty_start", "warranty_end", "coverage", "status",
            "transferable", "extended", "verification", "purchase_date", "retailer", "order_number",
            "proof_of_purchase", "replaces", "registered_at",
        ]

    def get_status(self, warranty: Warranty) -> str:
        return warranty.effective_status()


def _iso_datetime(value) -> str | None:
    # As DRF's DateTimeField writes it: in the current time zone, UTC as "Z".
    if not value:
        return None
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def warranty_output(warranty: Warranty) -> dict:
    """`WarrantyOutput(warranty).data`, written out (the registration's answer, on its hot path).

    tests/warranties/test_registration_hot_path.py keeps the two equal field for field.
    """
    product = warranty.product
    return {
        "id": warranty.id,
        "serial_number": warranty.serial_number,
        "product": {
            "id": product.id,
            "sku": product.sku,
            "name": product.name,
            "category": product.category.name,
            "category_slug": product.category.slug,
            "image_url": product_image_url(product),
        },
        "warranty_start": warranty.warranty_start.isoformat(),
        "warranty_end": warranty.warranty_end.isoformat(),
        "coverage": warranty.coverage,
        "status": warranty.effective_status(),
        "transferable": bool(warranty.transferable),
        "extended": bool(warranty.extended),
        "verification": warranty.verification,
        "purchase_date": warranty.purchase_date.isoformat(),
        "retailer": warranty.retailer,
        "order_number": warranty.order_number,
        "proof_of_purchase": None if warranty.proof_of_purchase_id is None else str(warranty.proof_of_purchase_id),
        "replaces": None if warranty.replaces_id is None else str(warranty.replaces_id),
        "registered_at": _iso_datetime(warranty.created_at),
    }


class WarrantyCustomerOutput(serializers.Serializer):
    id = serializers.CharField()
    email = serializers.EmailField()
    name = serializers.CharField()
    phone = serializers.CharField()
    address = serializers.JSONField()


class WarrantyContactOutput(serializers.Serializer):
    email = serializers.EmailField()
    name = serializers.CharField()
    phone = serializers.CharField()
    address = serializers.JSONField()


class WarrantyAdminOutput(WarrantyOutput):
    customer = WarrantyCustomerOutput(help_text="The brand's record of the email (its first registration's details, "
                                                "or what its verified account set).")
    contact = serializers.SerializerMethodField(
        help_text="Where this warranty's customer is: its registration's details, or the verified owner's newer "
                  "ones. A fulfillment ships here."
    )
    owner_id = serializers.SerializerMethodField()
    stored_status = serializers.CharField(source="status")

    class Meta(WarrantyOutput.Meta):
        fields = [
            *WarrantyOutput.Meta.fields, "stored_status", "customer", "contact", "owner_id", "void_reason", "notes",
            "verification_detail", "updated_at",
        ]

    @extend_schema_field(WarrantyContactOutput)
    def get_contact(self, warranty: Warranty) -> dict:
        return warranty_contact(warranty)

    def get_owner_id(self, warranty: Warranty) -> str | None:
        return warranty.owner.public_id if warranty.owner_id else None


class WarrantyEventOutput(serializers.ModelSerializer):
    actor_id = serializers.SerializerMethodField()

    class Meta:
        model = WarrantyEvent
        fields = ["action", "actor_id", "before", "after", "note", "created_at"]

    def get_actor_id(self, event: WarrantyEvent) -> str | None:
        return event.actor.public_id if event.actor_id else None


class WarrantyAdminDetailOutput(WarrantyAdminOutput):
    events = WarrantyEventOutput(many=True)

    class Meta(WarrantyAdminOutput.Meta):
        fields = [*WarrantyAdminOutput.Meta.fields, "events"]


class WarrantyAdminPatchInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=["void", "active"], required=False)
    void_reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    purchase_date = IsoDateField(required=False)
    warranty_end = IsoDateField(required=False)
    notes = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, help_text="Why; kept in the audit trail.")


class WarrantyTransferInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class WarrantyTransferOutput(serializers.Serializer):
    id = serializers.CharField()
    warranty_id = serializers.CharField()
    email = serializers.EmailField(source="to_email")
    status = serializers.CharField()
    created_at = serializers.DateTimeField()


class WarrantyTransferAcceptInput(serializers.Serializer):
    token = serializers.CharField(max_length=500)


class SerialImportJobOutput(serializers.ModelSerializer):
    percent = serializers.IntegerField()

    class Meta:
        model = SerialImportJob
        fields = [
            "id", "status", "original_name", "size", "percent", "rows_total", "rows_created", "rows_updated",
            "rows_unchanged", "rows_failed", "errors", "failure", "created_at", "started_at", "finished_at",
        ]
