"""Serial number rules that do not touch the database: normalising, format checks, hints for people."""

from __future__ import annotations

import re

_CLASS_EXAMPLE = {"[A-Z]": "A", "[a-z]": "a", "[0-9]": "0", r"\d": "0", "[A-Z0-9]": "A", "[0-9A-Z]": "0"}
_TOKEN_RE = re.compile(r"(\[[^\]]+\]|\\d|\\.|.)(\{(\d+)(?:,(\d*))?\}|\+|\*|\?)?")


def serial_format_hint(patterns: list[str]) -> str | None:
    """An example a person can read, e.g. `SN-[A-Z]{2}-[0-9]{6}` -> `SN-AA-000000`; None when unknowable."""
    examples = [_example_of(p) for p in patterns]
    examples = [e for e in examples if e]
    return " or ".join(examples) if examples else None


def _example_of(pattern: str) -> str | None:
    out = []
    for match in _TOKEN_RE.finditer(pattern.strip("^$")):
        atom, quant, low = match.group(1), match.group(2), match.group(3)
        if atom in _CLASS_EXAMPLE:
            char = _CLASS_EXAMPLE[atom]
        elif atom.startswith("\\") and len(atom) == 2:
            char = atom[1]
        elif len(atom) == 1 and atom not in "()|.^$[]{}":
            char = atom
        else:
            return None
        count = int(low) if low else (1 if quant in (None, "+") else 0 if quant in ("*", "?") else 1)
        out.append(char * count)
    return "".join(out) or None


def compile_full(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def matches_whole(pattern: str, value: str) -> bool:
    """Format rules match the whole serial, case-insensitively since serials compare without case."""
    return re.fullmatch(pattern, value, flags=re.IGNORECASE) is not None
