"""The base of every tenant-scoped API view."""

from rest_framework.response import Response
from rest_framework.views import APIView

from warranty_api.core.exceptions import TenantNotFound, ValidationFailed
from warranty_api.core.filters import filterset_of, refuse_unknown_parameters
from warranty_api.core.idempotency import idempotent
from warranty_api.core.pagination import check_page_parameters


class TenantAPIView(APIView):
    """A view under /api/<tenant>/ or /api/p/<tenant>/; `self.tenant` was resolved by TenantMiddleware.

    Every `post` honours the Idempotency-Key header (API.md "Writes") without the view doing anything.
    A view whose answer carries fresh credentials (tokens), or a person's whole data (the customer export), sets
    `idempotency = False`: replaying a stored copy would keep it in the database for a day.
    """

    idempotency = True
    # The query parameters each method takes (core/filters.py): GET's, and other methods' by name. Any other is refused.
    filterset_class = None
    filterset_classes: dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        post = cls.__dict__.get("post")
        if post is not None and cls.idempotency and not getattr(post, "idempotent", False):
            cls.post = idempotent(post)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authenticated, allowed and throttled first
        if request.method == "OPTIONS" or not hasattr(self, request.method.lower()):
            return  # a method the view does not have answers 405 whatever its query
        filterset_class = filterset_of(self, request.method)
        refuse_unknown_parameters(request.query_params, filterset_class)
        if filterset_class is not None and "include_total" in filterset_class.base_filters:
            check_page_parameters(request)

    @property
    def tenant(self):
        tenant = getattr(self.request, "tenant", None)
        if tenant is None:
            raise TenantNotFound()
        return tenant

    @property
    def role(self) -> str | None:
        return getattr(self.request, "role", None)


def ok(data, status: int = 200, headers: dict | None = None) -> Response:
    if status == 204:
        # 204 has no body (RFC 9110 15.3.5). A body sent anyway is read by a keep-alive client as the start of
        # its next response, which a browser then refuses (net::ERR_INVALID_HTTP_RESPONSE).
        return Response(status=204, headers=headers)
    return Response({"data": data}, status=status, headers=headers)


def validated(serializer_class, data, *, only_declared: bool = False) -> dict:
    """Validate a request body; with `only_declared`, fields the serializer does not name are refused.

    API.md: a PATCH takes only the fields it names, and a field the caller may not set is refused with 400,
    never ignored silently.
    """
    if not isinstance(data, dict):
        raise ValidationFailed.field("non_field_errors", "invalid", "Send a JSON object.")
    if only_declared:
        unknown = sorted(set(data) - set(serializer_class().fields))
        if unknown:
            raise ValidationFailed(
                fields={name: [{"code": "not_allowed", "message": f"{name} cannot be set here."}] for name in unknown}
            )
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
