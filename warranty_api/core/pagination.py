"""Cursor pagination in the list envelope: {"data": [...], "meta": {...}}; exact totals only on request."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from warranty_api.core.exceptions import ValidationFailed
from warranty_api.core.params import query_bool


def _cursor_of(url: str | None) -> str | None:
    if not url:
        return None
    return parse_qs(urlparse(url).query).get("cursor", [None])[0]


class EnvelopeCursorPagination(CursorPagination):
    page_size = 25
    max_page_size = 100
    page_size_query_param = "limit"
    cursor_query_param = "cursor"
    ordering = ("-created_at", "-pk")

    def __init__(self, ordering: tuple[str, ...] | None = None):
        if ordering:
            self.ordering = ordering

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            value = int(raw)
        except ValueError:
            raise ValidationFailed.field("limit", "invalid", "limit must be a whole number from 1 to 100.") from None
        if not 1 <= value <= self.max_page_size:
            raise ValidationFailed.field("limit", "out_of_range", "limit must be a whole number from 1 to 100.")
        return value

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except Exception:
            raise _invalid_cursor() from None
        if cursor is not None and cursor.position is not None:
            self._check_position(cursor.position)
        return cursor

    def _check_position(self, position: str) -> None:
        """A cursor is opaque but travels through clients: its position must fit the ordering's field.

        Otherwise a hand-made cursor (`p=2024-02-30`) fails in the query, a server fault instead of a 400.
        """
        if "\x00" in position:
            raise _invalid_cursor()
        name = self.ordering[0].lstrip("-")
        try:
            field = self._model._meta.get_field(name)
        except (AttributeError, FieldDoesNotExist):
            annotation = getattr(self, "_annotations", {}).get(name)  # an ordering by a computed column
            if annotation is None:
                return
            field = annotation.output_field
        try:
            field.to_python(position)
        except (DjangoValidationError, ValueError, TypeError, OverflowError):
            raise _invalid_cursor() from None

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        self._annotations = queryset.query.annotations
        self._total = queryset.count() if _wants_total(request) else None
        return super().paginate_queryset(queryset, request, view)

    def meta(self) -> dict:
        meta = {
            "limit": self.page_size,
            "next_cursor": _cursor_of(self.get_next_link()),
            "previous_cursor": _cursor_of(self.get_previous_link()),
            "has_more": self.has_next,
        }
        if self._total is not None:
            meta["total"] = self._total
        return meta

    def get_paginated_response(self, data):
        return Response({"data": data, "meta": self.meta()})


def _invalid_cursor() -> ValidationFailed:
    return ValidationFailed.field("cursor", "invalid", "The cursor is not valid; start again without it.")


def _wants_total(request) -> bool:
    return bool(query_bool(request.query_params, "include_total"))


def check_page_parameters(request) -> None:
    """`limit` and `include_total` are checked even where they do not apply (a CSV answer has every row, no pages):
    a bad value is a 400 on every lane of a list, not only on the paged one."""
    EnvelopeCursorPagination().get_page_size(request)
    _wants_total(request)


def paginate(view, queryset, serializer_class, *, ordering: tuple[str, ...] | None = None, context=None, extra_meta=None):
    """Paginate `queryset` with a cursor and answer the list envelope."""
    paginator = EnvelopeCursorPagination(ordering)
    page = paginator.paginate_queryset(queryset, view.request, view=view)
    data = serializer_class(page, many=True, context=context or {"request": view.request}).data
    meta = paginator.meta()
    if extra_meta:
        meta.update(extra_meta)
    return Response({"data": data, "meta": meta})
