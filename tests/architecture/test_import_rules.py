"""The import contracts of pyproject.toml hold for the tree, and do fail on an arrow that runs back up."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("warranty_api", "home", "support_docs")


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=300,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
    )


def _copy_tree(tmp_path: Path) -> Path:
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "static"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_tree_keeps_every_contract():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_import_of_claims_inside_webhooks_breaks_the_contracts(tmp_path):
    tree = _copy_tree(tmp_path)
    services = tree / "warranty_api" / "webhooks" / "services.py"
    services.write_text(services.read_text() + "\n\nfrom warranty_api.claims import services as claims  # noqa\n")

    result = _lint(tree)

    assert result.returncode != 0
    assert "warranty_api.webhooks.services -> warranty_api.claims.services" in result.stdout
    assert "BROKEN" in result.stdout


def test_an_import_of_a_domain_from_the_base_breaks_the_layers(tmp_path):
    tree = _copy_tree(tmp_path)
    exceptions = tree / "warranty_api" / "core" / "exceptions.py"
    exceptions.write_text(exceptions.read_text() + "\n\nfrom warranty_api.tenancy import models  # noqa\n")

    result = _lint(tree)

    assert result.returncode != 0
    assert "warranty_api.core.exceptions -> warranty_api.tenancy.models" in result.stdout
