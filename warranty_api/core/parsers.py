"""The JSON body parser of the API: malformed, over-nested or unstorable bodies are a 400, never a server fault."""

from __future__ import annotations

import json
import math

from rest_framework.parsers import JSONParser
from rest_framework.utils.json import strict_constant

from warranty_api.core.error_codes import CoreErrorCode
from warranty_api.core.exceptions import ApiError, ValidationFailed

# Deeper than any body of ours; Python's json module itself gives up (RecursionError) near 1,000 levels.
MAX_DEPTH = 32


class InvalidJson(ApiError):
    status_code = 400
    code = CoreErrorCode.INVALID_JSON
    message = "The request body is not valid JSON."


def _path(parent: str, key) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else key


def check_parsed_body(data) -> None:
    """Walk the parsed body once (without recursion) and refuse what no field of ours can hold.

    A lone surrogate (\\ud800 to \\udfff) is not Unicode: it cannot be encoded as UTF-8, so storing or even
    echoing it fails (RFC 7493, I-JSON, forbids it). NUL cannot be stored in PostgreSQL text. A number beyond
    a double's range (`1e999`) is read by Python as infinity, which no field of ours takes. All are refused
    here, for every endpoint, keys included, before any view or service sees them.
    """
    stack = [(data, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise ValidationFailed.field(path or "non_field_errors", "invalid_character",
                                             "Text may not contain the NUL character (\\u0000).")
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidJson("The request body has a lone surrogate (\\ud800 to \\udfff) in a string; "
                                  "send valid Unicode.") from None
            continue
        if isinstance(value, float) and not math.isfinite(value):
            raise ValidationFailed.field(path or "non_field_errors", "not_finite",
                                         "This number is too large to represent (such as 1e999); send a finite one.")
        if not isinstance(value, dict | list):
            continue
        if depth >= MAX_DEPTH:
            raise InvalidJson(f"The request body is nested more than {MAX_DEPTH} levels deep.")
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if isinstance(key, str):
                stack.append((key, path or "non_field_errors", depth + 1))
                stack.append((item, _path(path, key), depth + 1))
            else:
                stack.append((item, _path(path, key), depth + 1))


def _too_deep() -> InvalidJson:
    return InvalidJson(f"The request body is nested more than {MAX_DEPTH} levels deep.")


def json_loads_checked(raw: bytes | str):
    """The body a view reads itself (a signed body, the registration's short way), held to the parser's rules.

    400 `invalid_json` for what is not strict JSON (NaN and Infinity included, as DRF's parser), what is nested
    too deeply (json gives up with RecursionError near 1,000 levels: that is our depth limit, not a fault) and
    lone surrogates; 400 `validation_error` for NUL.
    """
    try:
        # UTF-8 only (RFC 8259), as DRF's parser reads a body; json.loads would also guess UTF-16 and UTF-32.
        data = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw, parse_constant=strict_constant)
    except RecursionError:
        raise _too_deep() from None
    except ValueError:  # UnicodeDecodeError and JSONDecodeError included
        raise InvalidJson() from None
    check_parsed_body(data)
    return data


class ApiJSONParser(JSONParser):
    """DRF's JSON parser, plus: a body nested too deeply and text no field can hold are 400s."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise _too_deep() from None
        check_parsed_body(data)
        return data
