"""Add msgids to every locale's django.po (what `makemessages` cannot find: email texts, API error messages);
entries already there keep their translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent


def catalogs_add(texts: list[str], comment: str, root: Path = ROOT) -> None:
    for po_path in sorted((root / "locale").glob("*/LC_MESSAGES/django.po")):
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=po_path.parent.parent.name)
        for text in texts:
            if text not in catalog:
                catalog.add(text, "", auto_comments=[comment])
        with po_path.open("wb") as handle:
            write_po(handle, catalog, width=0, omit_header=False)
