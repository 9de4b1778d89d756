"""Uploads and the serving of uploaded files."""

from __future__ import annotations

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import MultiPartParser

from warranty_api.core.exceptions import NotFound, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from warranty_api.core.permissions import IsTenantMember
from warranty_api.core.throttles import PublicIpThrottle
from warranty_api.core.views import TenantAPIView, ok
from warranty_api.media.models import Media
from warranty_api.media.selectors import media_get_visible
from warranty_api.media.serializers import (
    MediaOutput,
    MediaUploadInput,
    PublicMediaUploadInput,
    PublicMediaUploadOutput,
)
from warranty_api.media.services import max_upload_bytes, media_upload
from warranty_api.media.filters import MediaFileParameters

# What an upload is served as (services/media.py stores HEIC as JPEG; thumbnails are JPEG).
MEDIA_CONTENT_TYPES = ("image/jpeg", "image/png", "image/webp", "application/pdf")
# Room for the multipart boundaries and headers around a file of the maximum size.
_MULTIPART_OVERHEAD = 64 * 1024


class _UploadBase(TenantAPIView):
    parser_classes = [MultiPartParser]

    output = MediaOutput

    def _upload(self, request, purpose: str | None):
        # Refuse on the declared length, before Django streams the body to a temporary file.
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = max_upload_bytes()
        if length > limit + _MULTIPART_OVERHEAD:
            raise PayloadTooLarge(f"The request is {length} bytes; uploads may be at most {limit // (1024 * 1024)} MB.")
        if not (request.content_type or "").startswith("multipart/form-data"):
            raise UnsupportedMediaType("Send the file as multipart/form-data in the field `file`.")
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed.field("file", "required", "Attach the file in the multipart field `file`.")
        if purpose is None:
            purpose = request.data.get("purpose") or Media.Purpose.CLAIM_PHOTO
        media = media_upload(tenant=self.tenant, uploaded_by=request.user, upload=upload, purpose=purpose)
        return ok(self.output(media).data, status=201)


class MediaUploadView(_UploadBase):
    permission_classes = [IsTenantMember]

    @extend_schema(
        operation_id="media_upload",
        summary="Upload a claim photo or a receipt (signed-in customers and staff)",
        request={"multipart/form-data": MediaUploadInput},
        responses={201: MediaOutput},
    )
    def post(self, request, tenant: str):
        return self._upload(request, None)


class PublicMediaUploadView(_UploadBase):
    permission_classes: list = []
    throttle_classes = [PublicIpThrottle]
    output = PublicMediaUploadOutput

    @extend_schema(
        operation_id="public_media_upload",
        summary="Upload a proof of purchase before registering (public, rate limited per IP); the answer's "
                "upload_token goes with the registration",
        request={"multipart/form-data": PublicMediaUploadInput},
        responses={201: PublicMediaUploadOutput},
    )
    def post(self, request, tenant: str):
        return self._upload(request, Media.Purpose.PROOF_OF_PURCHASE)


class _AnyAcceptNegotiation(DefaultContentNegotiation):
    """A file is served whatever the Accept header says; errors still render as JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except Exception:
            return renderers[0], renderers[0].media_type


class MediaFileView(TenantAPIView):
    permission_classes: list = []  # visibility is decided per object: not yours is 404, like not there
    filterset_class = MediaFileParameters
    content_negotiation_class = _AnyAcceptNegotiation

    @extend_schema(
        operation_id="media_get",
        summary="The uploaded file, to its uploader and the brand's staff",
        responses={(200, *MEDIA_CONTENT_TYPES): OpenApiResponse(OpenApiTypes.BINARY), 404: None},
    )
    def get(self, request, tenant: str, media_id: str):
        media = media_get_visible(tenant=self.tenant, user=request.user, role=self.role, media_id=media_id)
        size = request.query_params.get("size")
        if size == "thumb":
            if not media.thumbnail:
                raise NotFound("This upload has no thumbnail.")
            field, content_type, extension = media.thumbnail, "image/jpeg", "jpg"
        elif size in (None, "", "full"):
            field, content_type, extension = media.file, media.content_type, media.file.name.rsplit(".", 1)[-1]
        else:
            raise ValidationFailed.field("size", "invalid_choice", "Use `size=thumb`, or leave it out for the file.")
        response = FileResponse(
            field.open("rb"),
            content_type=content_type,
            as_attachment=media.kind == Media.Kind.PDF,
            filename=f"{media.pk}{'-thumb' if size == 'thumb' else ''}.{extension}",
        )
        response["X-Content-Type-Options"] = "nosniff"
        # Should a browser ever treat the bytes as a document, it may run nothing and load nothing.
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, max-age=300"
        return response
