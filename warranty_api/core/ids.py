"""Public identifiers: a type prefix and random characters, never a database sequence."""

import functools
import secrets
import string

from django.db import models

_ALPHABET = string.ascii_letters + string.digits
_RANDOM_LENGTH = 20


# Random bytes below this map evenly onto the alphabet (4 x 62 = 248); the rest are drawn again.
_UNBIASED_BELOW = 256 - 256 % len(_ALPHABET)


def new_public_id(prefix: str) -> str:
    """`prefix` and 20 characters drawn uniformly from [A-Za-z0-9] by the system's CSPRNG.

    One `token_bytes` call per id rather than one `secrets.choice` per character (several rows get an id
    on every registration): a byte of 248 or more is discarded, so every character stays equally likely.
    """
    chars: list[str] = []
    while len(chars) < _RANDOM_LENGTH:
        chars.extend(_ALPHABET[b % len(_ALPHABET)] for b in secrets.token_bytes(_RANDOM_LENGTH + 8) if b < _UNBIASED_BELOW)
    return prefix + "".join(chars[:_RANDOM_LENGTH])


class PublicIdField(models.CharField):
    """A CharField defaulting to `<prefix><20 random characters>`, e.g. `wty_8fK2...`."""

    def __init__(self, prefix: str = "", *args, **kwargs):
        self.prefix = prefix
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("unique", True)
        kwargs["default"] = functools.partial(new_public_id, prefix)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["prefix"] = self.prefix
        kwargs.pop("default", None)
        for key, default in (("max_length", 32), ("editable", False), ("unique", True)):
            if kwargs.get(key, default) == default:
                kwargs.pop(key, None)
        return name, path, args, kwargs


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
