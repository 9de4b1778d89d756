"""Serializers of the API; one rule for all their text fields: a text field takes text only."""

from rest_framework import fields


def refuse_numbers_as_text() -> None:
    """A JSON number sent for a text field is a 400 `invalid`, as a list or a boolean already is.

    DRF's CharField (and so EmailField, RegexField, SlugField, URLField) reads `0` as "0", while the schema
    says `string`: a client sending the wrong type gets its request applied instead of corrected. Every
    serializer of ours shares this rule, so it is set once, here, when the app starts.
    """
    if getattr(fields.CharField.to_internal_value, "refuses_numbers", False):
        return
    lenient = fields.CharField.to_internal_value

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return lenient(self, data)

    to_internal_value.refuses_numbers = True
    fields.CharField.to_internal_value = to_internal_value
