"""The base of every tenant-scoped API view."""

from rest_framework.response import Response
from rest_framework.views import APIView

from ..exceptions import TenantNotFound


class TenantAPIView(APIView):
    """A view under /api/<tenant>/ or /api/p/<tenant>/; `self.tenant` was resolved by TenantMiddleware."""

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
    return Response({"data": data}, status=status, headers=headers)
