"""Error codes are enums per domain (`<package>/error_codes.py`), stable snake_case strings, raised by member and
answered as the plain string."""

from __future__ import annotations

import ast
import importlib
import json
import re
from enum import StrEnum
from pathlib import Path

import pytest
from rest_framework.renderers import JSONRenderer

from warranty_api.claims.error_codes import ClaimErrorCode
from warranty_api.core.error_codes import CoreErrorCode
from warranty_api.core.exceptions import ApiError, Conflict, api_exception_handler, error_response
from warranty_api.core.middleware import _STATUS_ERRORS

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "warranty_api"
SNAKE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
# The exception family of core/exceptions.py and the domains' own subclasses of it.
ERRORS = {
    "ApiError", "ValidationFailed", "NotFound", "TenantNotFound", "Conflict", "Unprocessable", "PayloadTooLarge",
    "UnsupportedMediaType", "PermissionDeniedError", "AuthenticationFailedError", "ShopifyError",
}


def _code_modules() -> list[str]:
    return sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts) for path in PACKAGE.rglob("error_codes.py")
    )


def _enums() -> list[type[StrEnum]]:
    found = []
    for name in _code_modules():
        module = importlib.import_module(name)
        found += [v for v in vars(module).values() if isinstance(v, type) and issubclass(v, StrEnum)
                  and v is not StrEnum and v.__module__ == name]
    return found


def test_every_domain_that_raises_codes_has_its_enum():
    modules = set(_code_modules())
    for package in ("core", "claims", "warranties", "verification", "accounts", "catalog", "media", "notifications",
                    "webhooks", "integrations"):
        assert f"warranty_api.{package}.error_codes" in modules


@pytest.mark.parametrize("enum", _enums(), ids=lambda e: e.__name__)
def test_every_code_is_a_stable_snake_case_string(enum):
    assert len(enum) > 0
    for member in enum:
        assert type(member.value) is str
        assert SNAKE.fullmatch(member.value), f"{enum.__name__}.{member.name} = {member.value!r}"
    # No two names for one code inside a domain, so a reader finds one member per string.
    assert len({m.value for m in enum}) == len(enum)


def _literal_codes(path: Path, root: Path = ROOT) -> list[str]:
    """`code="..."` given to one of the exception family, or a `code = "..."` on a subclass of it.

    Field codes (inside `fields`, and DRF's or Django's own ValidationError) may stay strings."""
    where = path.relative_to(root)
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name in ERRORS:
                found += [
                    f"{where}:{node.lineno} {name}(code={kw.value.value!r})"
                    for kw in node.keywords
                    if kw.arg == "code" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str)
                ]
        elif isinstance(node, ast.ClassDef) and any(
            (b.id if isinstance(b, ast.Name) else getattr(b, "attr", "")) in ERRORS for b in node.bases
        ):
            for item in node.body:
                if (isinstance(item, ast.Assign) and any(getattr(t, "id", "") in ("code", "override_code")
                                                         for t in item.targets)
                        and isinstance(item.value, ast.Constant)):
                    found.append(f"{where}:{item.lineno} class {node.name}: code = {item.value.value!r}")
    return found


def test_no_raise_site_spells_its_code_as_a_literal():
    literal = [hit for path in sorted(PACKAGE.rglob("*.py")) if "migrations" not in path.parts
               for hit in _literal_codes(path)]
    assert literal == []


def test_the_literal_check_sees_a_literal_code(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('raise Conflict("Taken.", code="taken")\n\nclass Gone(NotFound):\n    code = "gone"\n')
    assert sorted(hit.split(" ", 1)[1] for hit in _literal_codes(sample, root=tmp_path)) == [
        "Conflict(code='taken')", "class Gone: code = 'gone'"
    ]


def test_an_error_raised_with_a_member_carries_the_plain_string():
    error = Conflict("This warranty already has an open claim.", code=ClaimErrorCode.CLAIM_ALREADY_OPEN)
    assert type(error.code) is str and error.code == "claim_already_open"

    response = api_exception_handler(error, {})
    body = JSONRenderer().render(response.data)
    assert json.loads(body) == {
        "error": {"code": "claim_already_open", "message": "This warranty already has an open claim."}
    }
    assert b"ClaimErrorCode" not in body


def test_the_frames_own_codes_render_as_their_values():
    assert type(ApiError().code) is str and ApiError().code == "bad_request"
    response = error_response(404, CoreErrorCode.NOT_FOUND, "There is nothing at this address.")
    assert json.loads(response.content)["error"]["code"] == "not_found"
    assert b"CoreErrorCode" not in response.content
    assert {code for code, _ in _STATUS_ERRORS.values()} <= set(CoreErrorCode)
