"""Add the product's email texts to every locale's django.po: each default template's subject and paragraphs.

`makemessages` does not read templates/notifications/*.txt (placeholder templates, not Django ones), so run this
after it; entries already translated keep their translation. notifications.py looks each paragraph up as is.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent


def email_messages(root: Path = ROOT) -> list[str]:
    found: list[str] = []
    for path in sorted((root / "templates" / "notifications").glob("*.txt")):
        first, _, body = path.read_text(encoding="utf-8").partition("\n")
        for text in [first.removeprefix("Subject:").strip(), *(p.strip() for p in body.strip().split("\n\n"))]:
            if text and text not in found:
                found.append(text)
    return found


def main() -> None:
    texts = email_messages()
    for po_path in sorted((ROOT / "locale").glob("*/LC_MESSAGES/django.po")):
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=po_path.parent.parent.name)
        for text in texts:
            if text not in catalog:
                catalog.add(text, "", auto_comments=["email (templates/notifications)"])
        with po_path.open("wb") as handle:
            write_po(handle, catalog, width=0, omit_header=False)


if __name__ == "__main__":
    main()
