"""The deployment files say what the README says: every variable the app is given is documented, every command runs."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
APP_SERVICES = ("release", "web-1", "web-2", "worker")


def _documented_variables() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))


def test_every_variable_the_app_containers_get_is_in_the_readme_table():
    documented = _documented_variables()
    for name in APP_SERVICES:
        environment = COMPOSE["services"][name]["environment"]
        missing = set(environment) - documented
        assert not missing, f"{name} sets {sorted(missing)}, which the README's configuration table does not list"


def test_web_worker_and_release_run_the_commands_the_readme_names():
    services = COMPOSE["services"]
    commands = get_commands()
    for name in ("web-1", "web-2"):
        assert services[name]["command"][:2] == ["gunicorn", "site_aftersale.wsgi"]
    assert services["worker"]["command"] == ["python", "manage.py", "qcluster"]
    release = services["release"]["command"][-1]
    assert release == "python manage.py migrate --noinput && python manage.py schedules_sync"
    for command in ("qcluster", "migrate", "schedules_sync"):
        assert command in commands
    readme = (ROOT / "README.md").read_text()
    for words in ("python manage.py qcluster", "python manage.py schedules_sync", "gunicorn site_aftersale.wsgi"):
        assert words in readme


def test_the_image_runs_as_a_user_without_build_tools():
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    final_stage = dockerfile.rsplit("\nFROM ", 1)[1]
    assert "USER aftersale" in final_stage
    assert "build-essential" not in final_stage and "apt-get install" not in final_stage
    assert "site_aftersale.settings.production" in final_stage
