"""The query parameters of an operation, declared once as a django-filter FilterSet.

A view names the set of its GET as `filterset_class`, as django-filter's own views do, and the set of another
method, when one takes query parameters, in `filterset_classes` (`{"POST": ...}`). One declaration serves two ends:

- the OpenAPI schema documents each parameter from it (`QueryParametersBackend`, read by drf-spectacular's
  django-filter extension in core/schema.py), so no operation lists its parameters by hand;
- the request frame refuses a parameter the set does not name (`refuse_unknown_parameters`, called by
  `TenantAPIView.initial`): API.md refuses a body field an operation does not take, and a query is no different.
  `?stauts=open` answers 400 instead of the whole list.

The values are read by the selectors with core/params.py's parsers, because the staff screens and the export
jobs pass the same filters to the same selectors without a request.
"""

from __future__ import annotations

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.contrib.django_filters import DjangoFilterExtension

from warranty_api.core.exceptions import ApiMessage, ValidationFailed

_MAX_LISTED_NAMES = 40


class CommaSeparated(django_filters.BaseInFilter, django_filters.CharFilter):
    """One or more values in one parameter, comma separated (`?issue_type=battery,screen`)."""


class CommaSeparatedChoices(django_filters.BaseInFilter, django_filters.ChoiceFilter):
    """One or more of a fixed list, comma separated (`?status=submitted,under_review`)."""


def choices(values) -> list[tuple[str, str]]:
    return [(str(value), str(value)) for value in values]


class QueryParameters(django_filters.FilterSet):
    """An operation that takes no query parameter at all: every name is refused."""


class CursorPaged(QueryParameters):
    limit = django_filters.NumberFilter(help_text="Rows a page, 1 to 100 (default 25)")
    cursor = django_filters.CharFilter(help_text="The `next_cursor` or `previous_cursor` of the page before")


class Paginated(CursorPaged):
    """The cursor pagination of every list (core/pagination.py reads and checks them)."""

    include_total = django_filters.BooleanFilter(help_text="Also count every matching row, in `meta.total`")


class CsvExportable(QueryParameters):
    format = django_filters.ChoiceFilter(
        choices=choices(["json", "csv"]),
        help_text="`csv` answers every matching row as CSV (as does `Accept: text/csv`)",
    )


def filterset_of(view, method: str) -> type[django_filters.FilterSet] | None:
    """The query parameters `method` takes on `view`; None when it takes none."""
    by_method = getattr(view, "filterset_classes", None) or {}
    if method in by_method:
        return by_method[method]
    return getattr(view, "filterset_class", None) if method in {"GET", "HEAD"} else None


def parameter_names(filterset_class: type[django_filters.FilterSet]) -> list[str]:
    return list(filterset_class.base_filters)


def refuse_unknown_parameters(query, filterset_class: type[django_filters.FilterSet] | None, *,
                              leave_out: frozenset[str] = frozenset(), field_prefix: str = "") -> None:
    """400 when the query names a parameter the operation does not take (`leave_out`: names of the set that do not
    apply here; `field_prefix`: where the names sit in a body, as `params.` of an export job)."""
    taken = [name for name in parameter_names(filterset_class) if name not in leave_out] if filterset_class else []
    unknown = [name[:100] for name in query if name not in taken]
    if not unknown:
        return

    def refusal(name: str) -> ApiMessage:
        if taken:
            return ApiMessage("This operation takes no parameter %(name)s; it takes: %(names)s.", name=name,
                              names=", ".join(taken[:_MAX_LISTED_NAMES]))
        return ApiMessage("This operation takes no query parameter.")

    raise ValidationFailed(fields={
        f"{field_prefix}{name}": [{"code": "unknown_parameter", "message": refusal(name)}]
        for name in unknown[:_MAX_LISTED_NAMES]
    })


class QueryParametersBackend(DjangoFilterBackend):
    """Names the view's `filterset_class` to the schema generator; the views read their query themselves."""


class QueryParametersSchema(DjangoFilterExtension):
    """drf-spectacular's django-filter documentation, for any operation (a list or not) that names a set.

    The stock extension needs the view's model to find a set; ours are declared without one, so the set is taken
    from the view. Whole numbers are documented as integers (django-filter's NumberFilter alone says `number`).
    """

    target_class = "warranty_api.core.filters.QueryParametersBackend"
    match_subclasses = True
    priority = 1  # before the stock extension, which matches every DjangoFilterBackend

    def get_schema_operation_parameters(self, auto_schema, *args, **kwargs):
        filterset_class = filterset_of(auto_schema.view, auto_schema.method)
        if filterset_class is None:
            return []
        parameters = []
        for name, filter_field in filterset_class.base_filters.items():
            for parameter in self.resolve_filter_field(auto_schema, None, filterset_class, name, filter_field):
                if isinstance(filter_field, django_filters.NumberFilter):
                    parameter["schema"] = {**parameter["schema"], "type": "integer"}
                    parameter["schema"].pop("format", None)
                parameters.append(parameter)
        return parameters
