"""A domain's timeline rows are written by its `events.py` alone: no other module builds a ClaimEvent or a
WarrantyEvent, or creates one through its manager."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EVENT_MODELS = {"ClaimEvent", "WarrantyEvent"}
WRITERS = {"create", "bulk_create", "get_or_create", "update_or_create"}


def _event_writes(path: Path, root: Path = ROOT) -> list[str]:
    where = path.relative_to(root)
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in EVENT_MODELS:
            found.append(f"{where}:{node.lineno} {func.id}(...)")
        elif (isinstance(func, ast.Attribute) and func.attr in WRITERS and isinstance(func.value, ast.Attribute)
              and func.value.attr == "objects" and isinstance(func.value.value, ast.Name)
              and func.value.value.id in EVENT_MODELS):
            found.append(f"{where}:{node.lineno} {func.value.value.id}.objects.{func.attr}(...)")
    return found


def test_only_the_events_modules_write_timeline_rows():
    writes = [
        hit for path in sorted((ROOT / "warranty_api").rglob("*.py"))
        if path.name != "events.py" and "migrations" not in path.parts
        for hit in _event_writes(path)
    ]
    assert writes == []


def test_the_check_sees_a_row_built_or_created_elsewhere(tmp_path):
    sample = tmp_path / "services.py"
    sample.write_text(
        "ClaimEvent.objects.create(kind='message')\n"
        "WarrantyEvent.objects.bulk_create([WarrantyEvent(action='noted')])\n"
        "ScanEvent.objects.create(kind='serial')\n"
    )
    assert sorted(hit.split(" ", 1)[1] for hit in _event_writes(sample, root=tmp_path)) == [
        "ClaimEvent.objects.create(...)", "WarrantyEvent(...)", "WarrantyEvent.objects.bulk_create(...)"
    ]
