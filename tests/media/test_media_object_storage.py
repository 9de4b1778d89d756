"""Media on an S3-compatible object store (a real server on 127.0.0.1): stored, served after the check, purged."""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone
from PIL import Image

from tests.support.s3 import s3_server
from tests.media.test_media import jpeg_with_metadata, minimal_pdf, post_upload, served
from warranty_api import tasks
from warranty_api.models import Media


@pytest.fixture
def s3(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with s3_server() as server:
        settings.STORAGES = server.storages_setting()
        yield server


def test_uploads_and_thumbnails_are_stored_in_the_bucket_not_on_disk(s3, actors, tmp_path):
    _owner, client = actors["customer"]
    response = post_upload(client, jpeg_with_metadata())
    assert response.status_code == 201, response.content
    media = Media.objects.get(pk=response.json()["data"]["id"])
    assert {media.file.name, media.thumbnail.name} <= s3.keys()
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*.*"))

    stored = s3.client().get_object(Bucket=s3.bucket, Key=media.file.name)["Body"].read()
    assert b"marker-xmp-5678" not in stored  # cleaned before it reached the bucket
    assert Image.open(io.BytesIO(stored)).format == "JPEG"


def test_media_in_the_bucket_is_served_only_after_the_permission_check(s3, actors):
    _owner, owner_client = actors["customer"]
    data = post_upload(owner_client, minimal_pdf(), "receipt.pdf").json()["data"]
    media = Media.objects.get(pk=data["id"])

    response = owner_client.get(data["url"])
    assert response.status_code == 200
    assert served(response) == s3.client().get_object(Bucket=s3.bucket, Key=media.file.name)["Body"].read()
    assert actors["other_customer"][1].get(data["url"]).status_code == 404
    assert actors["other_tenant_admin"][1].get(data["url"].replace("/northpeak/", "/southwind/")).status_code == 404
    assert actors["anonymous"][1].get(data["url"]).status_code == 404


def test_the_purge_deletes_unattached_uploads_from_the_bucket(s3, actors):
    _owner, client = actors["customer"]
    old = Media.objects.get(pk=post_upload(client, jpeg_with_metadata()).json()["data"]["id"])
    fresh = Media.objects.get(pk=post_upload(client, jpeg_with_metadata()).json()["data"]["id"])
    Media.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(hours=25))
    old_keys = {old.file.name, old.thumbnail.name}
    assert old_keys <= s3.keys()

    assert tasks.media_purge_unattached() == 1
    assert not old_keys & s3.keys()
    assert {fresh.file.name, fresh.thumbnail.name} <= s3.keys()
