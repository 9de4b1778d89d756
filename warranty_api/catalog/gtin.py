"""GTINs (GS1 trade item numbers): check-digit validation and the GTIN-14 normal form of Digital Links."""

from __future__ import annotations

GTIN_LENGTHS = (8, 12, 13, 14)


def gtin_check_digit(body: str) -> int:
    """The GS1 mod-10 check digit of `body` (every digit but the last): weights 3,1,3,... from the right."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def gtin_normalize(raw: str) -> str | None:
    """`raw` as a GTIN-14 (left-padded with zeros), or None when it is not a GTIN-8/12/13/14 with a valid
    check digit. GS1 Digital Link writes every GTIN as 14 digits, so products store that form."""
    value = (raw or "").strip()
    if not value.isascii() or not value.isdigit() or len(value) not in GTIN_LENGTHS:
        return None
    if gtin_check_digit(value[:-1]) != int(value[-1]):
        return None
    return value.zfill(14)
