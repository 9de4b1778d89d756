"""Outputs and inputs of uploads."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from warranty_api.media.models import Media
from warranty_api.media.selectors import media_upload_token


class MediaOutput(serializers.ModelSerializer):
    type = serializers.CharField(source="content_type")
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = Media
        fields = ["id", "type", "kind", "purpose", "size", "width", "height", "created_at", "url", "thumbnail_url"]

    def get_url(self, media: Media) -> str:
        return f"/api/{media.tenant.slug}/media/{media.pk}"

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_thumbnail_url(self, media: Media) -> str | None:
        return f"/api/{media.tenant.slug}/media/{media.pk}?size=thumb" if media.thumbnail else None


class PublicMediaUploadOutput(MediaOutput):
    """A public upload's answer: the only place its `upload_token` is ever given."""

    upload_token = serializers.SerializerMethodField(
        help_text="Send it as `proof_of_purchase_token` with the registration that attaches this upload: it proves "
                  "the upload is yours (the id alone does not)."
    )

    class Meta(MediaOutput.Meta):
        fields = [*MediaOutput.Meta.fields, "upload_token"]

    def get_upload_token(self, media: Media) -> str:
        return media_upload_token(media)


class MediaUploadInput(serializers.Serializer):
    """The multipart form of an upload (documented here; the view reads the file itself)."""

    file = serializers.FileField(help_text="JPEG, PNG, WebP, HEIC or PDF, at most 10 MB.")
    purpose = serializers.ChoiceField(
        choices=Media.Purpose.choices, required=False, help_text="Default `claim_photo` (public upload: always `proof_of_purchase`)."
    )


class PublicMediaUploadInput(serializers.Serializer):
    file = serializers.FileField(help_text="A receipt: JPEG, PNG, WebP, HEIC or PDF, at most 10 MB.")
