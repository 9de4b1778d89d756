"""The brand's settings in Wagtail's admin (brand admins): name, branding with a logo of its own collection and a
contrast check, registration rules, serial formats, claim types and resolutions.

The form only collects; the values go through the serializers and the service of `PATCH .../admin/settings`,
so the admin, the API and the configuration file accept and refuse the same things, and every save is recorded.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from wagtail.images import get_image_model

from warranty_api.core.exceptions import ApiError
from warranty_api.tenancy.contrast import PORTAL_DEFAULT_ACCENT, PORTAL_DEFAULT_PRIMARY, branding_contrast_problems
from warranty_api.tenancy.models import REGISTRATION_FIELDS, ReplacementTerms, VerificationMode
from warranty_api.tenancy.serializers import (
    KNOWN_RESOLUTIONS,
    AdminSettingsInput,
    config_validated,
    tenant_settings_data,
)
from warranty_api.tenancy.services import tenant_settings_update
from warranty_api.workspace.menu import WorkspaceViewSet
from warranty_api.workspace.permissions import Area
from warranty_api.workspace.views import CONFIG_CSS, WorkspaceScreen

LOGO_RENDITION = "max-320x120"


def apply_api_errors(form: forms.Form, error: ApiError, field_of) -> None:
    """Put an API error's field messages on the form's fields; `field_of(path)` names the form field of a JSON path
    (None: the whole form). Lists name their line, as a person wrote one item per line."""
    if not error.fields:
        form.add_error(None, error.message)
        return
    for json_path, items in error.fields.items():
        name, line = field_of(json_path)
        for item in items:
            text = item["message"]
            if line is not None:
                text = f"Line {line + 1}: {text}"
            if name and name in form.fields:
                form.add_error(name, text)
            else:
                form.add_error(None, f"{json_path}: {text}")


def _index(json_path: str) -> int | None:
    if "[" not in json_path:
        return None
    try:
        return int(json_path.split("[", 1)[1].split("]", 1)[0])
    except ValueError:
        return None


def brand_images(tenant):
    if tenant.collection_id is None:
        return get_image_model().objects.none()
    return get_image_model().objects.filter(collection_id=tenant.collection_id).order_by("title", "id")


def logo_url_of(image) -> str:
    return image.get_rendition(LOGO_RENDITION).url


class BrandSettingsForm(forms.Form):
    name = forms.CharField(max_length=200)
    support_email = forms.CharField(max_length=254, help_text="Where customers' replies and questions go.")
    primary_color = forms.CharField(
        widget=forms.TextInput(attrs={"type": "color"}), required=False,
        help_text="The portal's header and buttons, with white text on it.")
    accent_color = forms.CharField(
        widget=forms.TextInput(attrs={"type": "color"}), required=False,
        help_text="Borders, highlights and the focus ring.")
    tagline = forms.CharField(max_length=300, required=False)
    logo = forms.ChoiceField(required=False, help_text="An image of the brand's own collection (Images in the "
                                                       "sidebar); none shows the brand's name only.")
    required_fields = forms.MultipleChoiceField(
        choices=[(f, f.replace("_", " ").capitalize()) for f in REGISTRATION_FIELDS], required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Besides email, name, serial and purchase date, which a registration always carries.")
    extension_window_days = forms.IntegerField(
        required=False, min_value=0, help_text="Days after purchase to earn a category's extended term; empty: any time.")
    require_known_serial = forms.BooleanField(required=False, help_text="Only serials of the known list register.")
    verification = forms.ChoiceField(choices=VerificationMode.choices, help_text="Shopify purchase verification.")
    serial_formats = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False,
        help_text="One regular expression per line; a serial must match one whole. Empty: any format.")
    issue_types = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False,
        help_text="One per line, as code: label (for example malfunction: Malfunction).")
    resolutions = forms.MultipleChoiceField(choices=[(r, r.capitalize()) for r in KNOWN_RESOLUTIONS], required=False,
                                            widget=forms.CheckboxSelectMultiple)
    replacement_terms = forms.ChoiceField(choices=ReplacementTerms.choices,
                                          help_text="The warranty a replacement product gets.")
    marketing_consent_text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=1000, label="Marketing opt-in wording",
        help_text="The words beside the optional opt-in checkbox at registration, sign-up and in the account. "
                  "Empty: the product's own, in the customer's language. Each answer is logged with the words shown.")

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.images = {str(image.pk): image for image in brand_images(tenant)}
        self.fields["logo"].choices = [("", "No logo"), *((pk, image.title) for pk, image in self.images.items())]

    @staticmethod
    def initial_of(tenant) -> dict:
        data = tenant_settings_data(tenant)
        branding, registration, claims = data["branding"], data["registration"], data["claims"]
        return {
            "name": data["name"], "support_email": data["support_email"],
            # A colour input always sends a colour: it starts from the portal's own default, not black.
            "primary_color": branding.get("primary_color", PORTAL_DEFAULT_PRIMARY),
            "accent_color": branding.get("accent_color", PORTAL_DEFAULT_ACCENT),
            "tagline": branding.get("tagline", ""),
            "required_fields": registration["required_fields"],
            "extension_window_days": registration["extension_window_days"],
            "require_known_serial": registration["require_known_serial"],
            "verification": registration["verification"],
            "serial_formats": "\n".join(data["serial_formats"]),
            "issue_types": "\n".join(f"{i['code']}: {i['label']}" for i in claims["issue_types"]),
            "resolutions": claims["resolutions"], "replacement_terms": claims["replacement_terms"],
            "marketing_consent_text": tenant.marketing_consent_text,
        }

    def api_data(self) -> dict:
        """The form as the body of `PATCH .../admin/settings`."""
        c = self.cleaned_data
        issue_types = []
        for line in (c["issue_types"] or "").splitlines():
            if line.strip():
                code, _, label = line.partition(":")
                issue_types.append({"code": code.strip(), "label": label.strip() or code.strip()})
        logo = self.images.get(c.get("logo") or "")
        return {
            "name": c["name"],
            "support_email": c["support_email"],
            "branding": {
                "primary_color": c["primary_color"] or None,
                "accent_color": c["accent_color"] or None,
                "tagline": c["tagline"] or None,
                "logo_url": logo_url_of(logo) if logo else None,
            },
            "registration": {
                "required_fields": list(c["required_fields"]),
                "extension_window_days": c["extension_window_days"],
                "require_known_serial": c["require_known_serial"],
                "verification": c["verification"],
            },
            "serial_formats": [line.strip() for line in (c["serial_formats"] or "").splitlines() if line.strip()],
            "claims": {"issue_types": issue_types, "resolutions": list(c["resolutions"]),
                       "replacement_terms": c["replacement_terms"]},
            "consent": {"marketing_text": c["marketing_consent_text"] or ""},
        }


def _settings_field_of(json_path: str):
    head = json_path.split("[", 1)[0]
    last = head.rsplit(".", 1)[-1]
    if head.startswith("claims.issue_types"):
        return "issue_types", _index(json_path)
    if head == "branding.logo_url":
        return "logo", None
    if head == "consent.marketing_text":
        return "marketing_consent_text", None
    if head in ("serial_formats",):
        return "serial_formats", _index(json_path)
    if head.endswith("required_fields") or head.endswith("resolutions"):
        return last, None
    return last, None


class BrandSettingsView(WorkspaceScreen):
    area = Area.CONFIGURATION
    template_name = "workspace/config/settings.html"
    page_title = "Brand settings"
    header_icon = "cog"
    css = CONFIG_CSS

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = kwargs.get("form") or BrandSettingsForm(initial=self._initial(), tenant=self.tenant)
        branding = self.tenant.branding or {}
        sections = [
            {"title": "Brand", "fields": ["name", "support_email"]},
            {"title": "Branding", "fields": ["primary_color", "accent_color", "tagline", "logo"], "preview": True},
            {"title": "Registration", "fields": ["required_fields", "extension_window_days", "require_known_serial",
                                                 "verification", "serial_formats"]},
            {"title": "Claims", "fields": ["issue_types", "resolutions", "replacement_terms"]},
            {"title": "Consent", "fields": ["marketing_consent_text"]},
        ]
        for section in sections:
            section["fields"] = [form[name] for name in section["fields"]]
        context.update(form=form, sections=sections, contrast=branding_contrast_problems(branding), branding=branding,
                       portal_url=f"/{self.tenant.slug}/")
        return context

    def _initial(self) -> dict:
        initial = BrandSettingsForm.initial_of(self.tenant)
        current_logo = (self.tenant.branding or {}).get("logo_url")
        for image in brand_images(self.tenant):
            if current_logo and logo_url_of(image) == current_logo:
                initial["logo"] = str(image.pk)
        return initial

    def post(self, request, *args, **kwargs):
        form = BrandSettingsForm(request.POST, tenant=self.tenant)
        if form.is_valid():
            try:
                data = config_validated(AdminSettingsInput, form.api_data(), partial=True)
                fresh = tenant_settings_update(tenant=self.tenant, actor=request.user, data=data)
            except ApiError as error:
                apply_api_errors(form, error, _settings_field_of)
            else:
                messages.success(request, "Brand settings saved; the portal and registrations use them now.")
                for problem in branding_contrast_problems(fresh.branding or {}):
                    messages.warning(request, problem)
                return HttpResponseRedirect(reverse("workspace_config:settings"))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ConfigurationViewSet(WorkspaceViewSet):
    """The brand's set-up: its settings here; catalog screens register in the same area."""

    name = "workspace_config"
    url_prefix = "brand-settings"
    area = Area.CONFIGURATION
    icon = "cog"
    menu_label = "Brand settings"
    menu_name = "brand-settings"
    menu_order = 20

    def get_urlpatterns(self):
        return [path("", BrandSettingsView.as_view(), name="settings")]
