"""CSV answers of admin lists and tables: negotiated like JSON, streamed row by row, errors still JSON envelopes.

A list answers CSV for `?format=csv` or an `Accept` that prefers `text/csv` (DRF's content negotiation picks
the renderer, so an Accept that rules out both JSON and CSV stays 406 `not_acceptable`). The body streams from a
database iterator through `csv.writer`, so memory does not grow with the rows.
"""

from __future__ import annotations

import csv
import datetime
import json
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse
from rest_framework.renderers import BaseRenderer, JSONRenderer

CSV_MEDIA_TYPE = "text/csv"


class CsvRenderer(BaseRenderer):
    """Chosen by negotiation; a CSV body streams itself, so only an error envelope is rendered here (as JSON, which
    ApiErrorEnvelopeMiddleware answers with the JSON content type)."""

    media_type = CSV_MEDIA_TYPE
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return json.dumps(data, default=str).encode()


CSV_RENDERERS = [JSONRenderer, CsvRenderer]


def wants_csv(request) -> bool:
    return getattr(getattr(request, "accepted_renderer", None), "format", None) == "csv"


class _Echo:
    def write(self, value: str) -> str:
        return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    text = str(value)
    # A cell a spreadsheet would run as a formula (=, +, -, @ first) is written as text (CSV injection).
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text):
        return "'" + text
    return text


def csv_lines(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])


def csv_response(filename: str, header: list[str], rows: Iterable[list]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
