"""API.md: a client may send Idempotency-Key on any POST; token-issuing endpoints and the customer data export
(its answer is a person's data, which a stored replay would keep for a day) are the documented exceptions."""

from django.urls import get_resolver

from tests.conftest import PASSWORD, client_for
from warranty_api.core.views import TenantAPIView
from warranty_api.models import Role


def _post_views():
    views = []
    for pattern in get_resolver().url_patterns:
        stack = [pattern]
        while stack:
            item = stack.pop()
            if hasattr(item, "url_patterns"):
                stack.extend(item.url_patterns)
            elif hasattr(item.callback, "view_class"):
                cls = item.callback.view_class
                if issubclass(cls, TenantAPIView) and hasattr(cls, "post"):
                    views.append(cls)
    return views


def test_every_post_is_idempotent_unless_it_hands_out_tokens_or_personal_data():
    views = _post_views()
    assert len(views) > 10
    for cls in views:
        if cls.idempotency:
            assert getattr(cls.post, "idempotent", False), cls
        else:
            assert cls.__name__ in {
                "RegisterView", "LoginView", "RefreshView", "ChangePasswordView", "CustomerExportView"
            }, cls


def test_a_retried_staff_invite_creates_one_account(tenant, make_staff):
    staff = make_staff(tenant, Role.ADMIN)
    client = client_for(staff, tenant)
    body = {"email": "new.agent@northpeak.example", "role": "agent"}
    first = client.post("/api/northpeak/admin/staff", body, format="json", HTTP_IDEMPOTENCY_KEY="invite-1")
    second = client.post("/api/northpeak/admin/staff", body, format="json", HTTP_IDEMPOTENCY_KEY="invite-1")
    assert first.status_code == 201, first.content
    assert second.status_code == 201 and second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    other = client.post(
        "/api/northpeak/admin/staff", {**body, "role": "admin"}, format="json", HTTP_IDEMPOTENCY_KEY="invite-1"
    )
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"


def test_login_never_replays_tokens(tenant, make_customer):
    make_customer(tenant, "buyer@example.com")
    from rest_framework.test import APIClient

    client = APIClient()
    body = {"email": "buyer@example.com", "password": PASSWORD}
    one = client.post("/api/northpeak/auth/login", body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    two = client.post("/api/northpeak/auth/login", body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert one.status_code == two.status_code == 200
    assert "Idempotent-Replayed" not in two
    from warranty_api.models import IdempotencyRecord

    assert not IdempotencyRecord.objects.exists()


def test_a_key_left_in_flight_by_a_dead_process_is_freed(tenant, make_staff):
    import datetime

    from django.utils import timezone

    from warranty_api.models import IdempotencyRecord

    staff = make_staff(tenant, Role.ADMIN)
    client = client_for(staff, tenant)
    body = {"email": "late.agent@northpeak.example", "role": "agent"}
    IdempotencyRecord.objects.create(tenant=tenant, caller=f"user:{staff.public_id}", key="k1", request_hash="x")
    busy = client.post("/api/northpeak/admin/staff", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert busy.status_code in (409, 422)  # the key is taken by the unfinished request
    IdempotencyRecord.objects.filter(key="k1").update(created_at=timezone.now() - datetime.timedelta(minutes=3))
    freed = client.post("/api/northpeak/admin/staff", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert freed.status_code == 201, freed.content
