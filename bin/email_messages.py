"""Add the product's email texts to every locale's django.po: each default template's subject and paragraphs.

`makemessages` does not read templates/notifications/*.txt (placeholder templates, not Django ones), so run this
after it; entries already translated keep their translation. notifications.py looks each paragraph up as is.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file (`python bin/....py`): the project root on the path, as under `-m`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bin.catalogs import catalogs_add

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
    catalogs_add(email_messages(), "email (templates/notifications)")


if __name__ == "__main__":
    main()
