"""Endpoints without a tenant: health and the public, global configuration."""

from django.conf import settings
from django.db import connection
from django_q.brokers import get_broker
from django_q.status import Stat
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from warranty_api.claims.models import Claim
from warranty_api.tenancy.models import Coverage
from warranty_api.warranties.models import Warranty
from warranty_api.webhooks.schemas import webhook_schemas_document

API_VERSION = "1"
CLAIM_STATUSES = [status.value for status in Claim.Status]
# `expired` is never stored (it is derived from the end date), so this list is not the model's choices.
WARRANTY_STATUSES = ["active", "expired", "void", "transferred", "pending_verification"]


_CHECK = {"type": "object", "required": ["status"], "properties": {"status": {"type": "string", "enum": ["ok", "error"]}}}
_HEALTH_REPORT = {
    "type": "object",
    "required": ["status", "version", "checks"],
    "properties": {
        "status": {"type": "string", "enum": ["ok", "unavailable"]},
        "version": {"type": "string"},
        "checks": {"type": "object", "properties": {"database": _CHECK, "task_queue": _CHECK}},
    },
}


class HealthView(APIView):
    authentication_classes: list = []
    permission_classes: list = []
    schema_envelope = False  # monitors read `status` at the top of the report

    @extend_schema(summary="Health check: database and task queue",
                   responses={200: _HEALTH_REPORT, 503: _HEALTH_REPORT})
    def get(self, request):
        checks = {"database": _check_database(), "task_queue": _check_task_queue()}
        healthy = checks["database"]["status"] == "ok"
        body = {"status": "ok" if healthy else "unavailable", "version": API_VERSION, "checks": checks}
        return Response(body, status=200 if healthy else 503)


def _check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means the database is unreachable
        return {"status": "error", "detail": exc.__class__.__name__}
    return {"status": "ok", "vendor": connection.vendor}


def _check_task_queue() -> dict:
    try:
        broker = get_broker()
        reachable = bool(broker.ping())
        report = {
            "status": "ok" if reachable else "error",
            "broker": broker.__class__.__name__,
            "queued": broker.queue_size(),
        }
        if settings.REDIS_URL:
            # Workers publish their stats in the cache; only a shared cache lets the web process see them.
            report["clusters"] = len(Stat.get_all(broker=broker))
        return report
    except Exception as exc:  # a broker outage degrades the queue, not the API
        return {"status": "error", "detail": exc.__class__.__name__}


class GlobalConfigView(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(summary="Public configuration shared by every brand", responses={200: dict})
    def get(self, request):
        return Response(
            {
                "data": {
                    "api_version": API_VERSION,
                    "limits": {
                        "upload_max_bytes": settings.AFTERSALE_UPLOAD_MAX_BYTES,
                        "upload_types": ["image/jpeg", "image/png", "image/webp", "image/heic", "application/pdf"],
                        "page_size_default": 25,
                        "page_size_max": 100,
                        "claim_photos_max": 10,
                        "access_token_minutes": int(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds() // 60),
                    },
                    "enumerations": {
                        "coverage": [c.value for c in Coverage],
                        "warranty_status": WARRANTY_STATUSES,
                        "verification": [v.value for v in Warranty.Verification],
                        "claim_status": CLAIM_STATUSES,
                        "roles": ["customer", "agent", "admin"],
                    },
                }
            }
        )


class WebhookSchemasView(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(
        summary="The webhook contract: a JSON Schema and an example of every event sent and accepted",
        description="`outbound`: each event type we send (to apps' webhooks, or to the brand's inventory system), "
        "with the JSON Schema of the whole request body and an example. `inbound`: each event the inventory system "
        "may send to `POST /api/<tenant>/integrations/inventory/events`, likewise. `signature`: how both directions "
        "are signed.",
        responses={200: dict},
    )
    def get(self, request):
        return Response({"data": webhook_schemas_document()})
