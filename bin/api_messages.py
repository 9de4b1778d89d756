"""Add the API's error messages to every locale's django.po: each literal message an error of the customer-facing
packages is raised with (ApiError and its kinds, `ValidationFailed.field`, a class's own `message`), and the
template of each message built with values (`ApiMessage("... %(name)s ...", name=...)`).

The error envelope looks each message up as is, and an `ApiMessage` by its template before filling its values in
(`warranty_api/core/exceptions.py`, `error_body`); a message formatted otherwise (an f-string) stays as written.
Run this after changing a message, then translate the new entries, keeping their placeholders. Entries already
translated keep their translation.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file (`python bin/....py`): the project root on the path, as under `-m`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bin.catalogs import catalogs_add

ROOT = Path(__file__).resolve().parent.parent
# What a customer can meet through the portal or an app; the staff's configuration and tools speak English.
PACKAGES = ("accounts", "claims", "core", "media", "warranties")
_RAISERS = {"ApiError", "ValidationFailed", "NotFound", "Conflict", "Unprocessable", "PayloadTooLarge",
            "UnsupportedMediaType", "PermissionDeniedError", "AuthenticationFailedError", "field", "ApiMessage"}


def _literal_messages(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in _RAISERS:
                for arg in [*node.args, *(k.value for k in node.keywords if k.arg == "message")]:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and " " in arg.value:
                        yield arg.value
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if (isinstance(item, ast.Assign) and isinstance(item.value, ast.Constant)
                        and any(getattr(target, "id", "") == "message" for target in item.targets)):
                    yield item.value.value


def api_messages(root: Path = ROOT) -> list[str]:
    found: list[str] = []
    for package in PACKAGES:
        for path in sorted((root / "warranty_api" / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for text in _literal_messages(ast.parse(path.read_text(encoding="utf-8"))):
                if text not in found:
                    found.append(text)
    return found


def main() -> None:
    catalogs_add(api_messages(), "api error (warranty_api)")


if __name__ == "__main__":
    main()
