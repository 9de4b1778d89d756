"""Uploads: receipts and claim photos checked by their bytes, cleaned, stored through Django's storage API."""

from __future__ import annotations

import contextlib
import datetime
import functools
import hashlib
import logging
import re
import tempfile
import threading
import warnings
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from warranty_api.media.error_codes import MediaErrorCode
from warranty_api.accounts.models import User
from warranty_api.core.exceptions import ApiError, ApiMessage, Conflict, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from warranty_api.media.models import Media
from warranty_api.tenancy.models import Tenant

logger = logging.getLogger(__name__)

register_heif_opener()

# A 40-megapixel photo is larger than any phone takes; decoding one costs about 160 MB, which is the bound.
DEFAULT_MAX_PIXELS = 40_000_000
# Anonymous uploads: a 12 MP phone photo of a receipt fits; a 147 KB PNG of 6240x6240 (156 MB decoded) does not.
DEFAULT_PUBLIC_MAX_PIXELS = 16_000_000
THUMBNAIL_SIZE = (400, 400)
JPEG_QUALITY = 88
# Re-encoded files stay in memory up to this size and spill to a temporary file beyond it.
_SPOOL_BYTES = 2 * 1024 * 1024
_CHUNK = 64 * 1024
ACCEPTED_TYPES = "JPEG, PNG, WebP, HEIC or PDF"


def max_upload_bytes() -> int:
    return settings.AFTERSALE_UPLOAD_MAX_BYTES


def max_pixels() -> int:
    return getattr(settings, "AFTERSALE_UPLOAD_MAX_PIXELS", DEFAULT_MAX_PIXELS)


def public_max_pixels() -> int:
    """The cap for an upload nobody signed in for: a receipt photo needs no more, and anyone can send it."""
    return min(getattr(settings, "AFTERSALE_UPLOAD_PUBLIC_MAX_PIXELS", DEFAULT_PUBLIC_MAX_PIXELS), max_pixels())


# --- finding the type from the bytes -------------------------------------------------------------------------

_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}


@dataclass(frozen=True)
class _Sniffed:
    kind: str  # Media.Kind
    pillow_format: str | None  # the only Pillow plugin allowed to open it


def sniff(head: bytes) -> _Sniffed | None:
    """The accepted type the first bytes announce, or None. The name and the Content-Type header are ignored."""
    if head.startswith(b"\xff\xd8\xff"):
        return _Sniffed(Media.Kind.IMAGE, "JPEG")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _Sniffed(Media.Kind.IMAGE, "PNG")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _Sniffed(Media.Kind.IMAGE, "WEBP")
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return _Sniffed(Media.Kind.IMAGE, "HEIF")
    if head.startswith(b"%PDF-"):
        return _Sniffed(Media.Kind.PDF, None)
    return None


# --- images ---------------------------------------------------------------------------------------------------

# What each accepted format is stored as: HEIC is re-encoded to JPEG, since browsers do not show it.
_OUTPUT = {
    "JPEG": ("JPEG", "image/jpeg", "jpg"),
    "PNG": ("PNG", "image/png", "png"),
    "WEBP": ("WEBP", "image/webp", "webp"),
    "HEIF": ("JPEG", "image/jpeg", "jpg"),
}


def _too_many_pixels(width: int, height: int, limit: int) -> PayloadTooLarge:
    values = {"width": width, "height": height, "limit": limit // 1_000_000}
    if limit < max_pixels():
        return PayloadTooLarge(ApiMessage(
            "The image is %(width)sx%(height)s pixels; images sent without signing in may have at most %(limit)s "
            "megapixels.", **values
        ))
    return PayloadTooLarge(ApiMessage("The image is %(width)sx%(height)s pixels; images may have at most %(limit)s "
                                      "megapixels.", **values))


def _spooled():
    return tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # closed by media_upload


@dataclass
class _Prepared:
    content_type: str
    extension: str
    body: object  # a file object positioned at 0
    thumbnail: object | None
    width: int | None
    height: int | None


@functools.cache
def _decode_slots(count: int) -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(count)


@contextlib.contextmanager
def decode_slot():
    """One of the process's few image-decoding slots, for as long as a raster is held.

    A decoded raster takes up to 4 bytes a pixel whatever the file's size, so the memory one web process spends
    on decoding is bounded by UPLOAD_DECODE_CONCURRENCY times the pixel cap, however many uploads arrive at once;
    the others wait, and one that waits longer than UPLOAD_DECODE_WAIT_SECONDS is 503 `busy` with Retry-After.
    """
    slots = _decode_slots(max(1, settings.AFTERSALE_UPLOAD_DECODE_CONCURRENCY))
    if not slots.acquire(timeout=settings.AFTERSALE_UPLOAD_DECODE_WAIT_SECONDS):
        raise ApiError(
            "Too many images are being processed right now; send it again in a moment.",
            code=MediaErrorCode.BUSY, status=503, headers={"Retry-After": "5"},
        )
    try:
        yield
    finally:
        slots.release()


def _prepare_image(upload: UploadedFile, pillow_format: str, limit: int) -> _Prepared:
    """Decode the whole image within the pixel limit, re-encode it without metadata, and make a thumbnail.

    Re-encoding is what drops EXIF/GPS/XMP and anything appended after the image (a polyglot's payload):
    the stored file holds only pixels Pillow decoded. A file Pillow cannot decode end to end is refused.
    """
    upload.seek(0)
    try:
        # Pillow only warns between one and two times MAX_IMAGE_PIXELS; the warning is made an error here, and
        # the size from the header is checked below before any pixel is decoded.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload, formats=[pillow_format])
            width, height = image.size
            if width * height > limit:
                raise _too_many_pixels(width, height, limit)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PayloadTooLarge(
            ApiMessage("The image has more pixels than the limit of %(limit)s megapixels.", limit=limit // 1_000_000)
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise UnsupportedMediaType(
            f"The file is not a complete, valid image; send a {ACCEPTED_TYPES} file."
        ) from exc

    out_format, content_type, extension = _OUTPUT[pillow_format]
    try:
        ImageOps.exif_transpose(image, in_place=True)
    except Exception:  # a malformed orientation tag only costs the rotation, not the upload
        logger.info("Ignoring an unreadable EXIF orientation", exc_info=True)
    icc_profile = image.info.get("icc_profile")
    transparency = image.info.get("transparency")
    # Nothing of the original's metadata is carried over except the colour profile (and PNG transparency).
    image.info = {}
    if image.mode not in _MODES[out_format]:
        image = image.convert("RGBA" if out_format != "JPEG" and _has_alpha(image, transparency) else "RGB")
    elif transparency is not None and out_format == "PNG":
        image.info["transparency"] = transparency
    width, height = image.size

    body = _spooled()
    options: dict = {"icc_profile": icc_profile} if icc_profile else {}
    if out_format == "JPEG":
        options.update(quality=JPEG_QUALITY, optimize=False)
    elif out_format == "WEBP":
        options.update(quality=JPEG_QUALITY, method=4)
    elif out_format == "PNG":
        options.update(compress_level=6)
    image.save(body, format=out_format, **options)
    body.seek(0)

    # The thumbnail is made last, in place, so the full-size raster is not held twice.
    image.thumbnail(THUMBNAIL_SIZE)
    if image.mode != "RGB":
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    thumbnail = _spooled()
    image.save(thumbnail, format="JPEG", quality=80)
    thumbnail.seek(0)
    image.close()
    return _Prepared(content_type, extension, body, thumbnail, width, height)


_MODES = {"JPEG": {"RGB", "L", "CMYK"}, "PNG": {"RGB", "RGBA", "L", "LA", "P", "1", "I;16", "I"}, "WEBP": {"RGB", "RGBA"}}


def _has_alpha(image: Image.Image, transparency) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or transparency is not None


# --- PDF ------------------------------------------------------------------------------------------------------

_OUTSIDE = "it has an action that reaches outside the document (a link, another file, a form that sends data)"
# Names that make a PDF act rather than show: scripts, launching programs, carrying other files, active forms.
_FORBIDDEN_PDF_NAMES = {
    b"JavaScript": "it contains JavaScript",
    b"JS": "it contains JavaScript",
    b"Launch": "it can launch other programs",
    b"EmbeddedFile": "it carries embedded files",
    b"EmbeddedFiles": "it carries embedded files",
    b"RichMedia": "it contains rich media (Flash)",
    b"XFA": "it contains an XFA form, which may run scripts",
    # Actions that reach outside the document: another file, an embedded one, a web address, a form post or import.
    b"GoToR": _OUTSIDE,
    b"GoToE": _OUTSIDE,
    b"URI": _OUTSIDE,
    b"SubmitForm": _OUTSIDE,
    b"ImportData": _OUTSIDE,
}
_CANNOT_CHECK = "it keeps its objects in a way we cannot check"
# An object stream is read as a plain inflate: one FlateDecode, no predictor, no other filter.
_OBJECT_STREAM_UNREADABLE_NAMES = {
    b"LZWDecode", b"LZW", b"ASCII85Decode", b"A85", b"ASCIIHexDecode", b"AHx", b"RunLengthDecode", b"RL",
    b"Crypt", b"DecodeParms", b"DP", b"JBIG2Decode", b"DCTDecode", b"DCT", b"JPXDecode", b"CCITTFaxDecode", b"CCF",
}
_FLATE_NAMES = {b"FlateDecode", b"Fl"}
# A PDF name: a slash, then regular characters, where `#xx` escapes any byte (`/J#61vaScript` is /JavaScript).
_PDF_NAME_RE = re.compile(rb"/((?:[^\s/<>\[\]()%{}#]|#[0-9A-Fa-f]{2})+)")
_HEX_ESCAPE_RE = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM_RE = re.compile(rb"stream\r?\n")
# Inflating object streams is how hidden dictionaries are found; this bounds what a zip bomb can cost.
_PDF_INFLATE_LIMIT = 64 * 1024 * 1024


def _pdf_names(data: bytes):
    for match in _PDF_NAME_RE.finditer(data):
        yield _HEX_ESCAPE_RE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))


def _pdf_refusal(data: bytes) -> str | None:
    for name in _pdf_names(data):
        if name in _FORBIDDEN_PDF_NAMES:
            return _FORBIDDEN_PDF_NAMES[name]
    return None


def _object_streams(data: bytes):
    """(the names of its dictionary, its raw bytes) for each object stream (/Type /ObjStm): where a PDF 1.5+
    file may keep its dictionaries.

    Other streams (pages, images, fonts) cannot hold actions, and scanning their binary content would refuse
    honest files by chance, so they are left alone. The dictionary is read back from the stream keyword to its
    `obj`; `_check_pdf` refuses a file naming more object streams than were found this way (a dictionary
    disguised from this look-back).
    """
    position = 0
    while True:
        match = _STREAM_RE.search(data, position)
        if match is None:
            return
        end = data.find(b"endstream", match.end())
        if end < 0:
            return
        position = end + len(b"endstream")
        obj = data.rfind(b"obj", max(0, match.start() - 4096), match.start())
        names = list(_pdf_names(data[obj : match.start()])) if obj >= 0 else []
        if b"ObjStm" in names:
            yield names, data[match.end() : end]


def _object_stream_refusal(names: list[bytes], raw: bytes, budget: int) -> tuple[str | None, int]:
    """Why one object stream's content is refused, and how many bytes its inflate took."""
    if _OBJECT_STREAM_UNREADABLE_NAMES.intersection(names) or sum(name in _FLATE_NAMES for name in names) > 1:
        return _CANNOT_CHECK, 0
    if not _FLATE_NAMES.intersection(names):
        return None, 0  # not compressed: its objects were in the scan of the raw file
    try:
        inflated = zlib.decompressobj().decompress(raw, budget)
    except zlib.error:
        return _CANNOT_CHECK, 0
    if len(inflated) >= budget:
        return "it expands to more data than we can check", len(inflated)
    inner = list(_pdf_names(inflated))
    if b"ObjStm" in inner:  # an object stream cannot hold another: a reader that took one anyway would hide it
        return _CANNOT_CHECK, len(inflated)
    return _pdf_refusal(inflated), len(inflated)


def _check_pdf(upload: UploadedFile) -> None:
    """Refuse a PDF that is not one end to end, is encrypted (it could not be inspected), can act, or can reach
    outside itself (links, other files, form submissions).

    The scan covers the raw file and every object stream, inflated; an object stream that a plain inflate
    would not show as a reader sees it (another filter, a predictor, compressed twice) is refused. The whole
    PDF (at most the upload limit) is read once into memory: PDF structure is not streamable.
    """
    upload.seek(0)
    data = upload.read()
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-1024:]:
        raise UnsupportedMediaType("The file is not a complete PDF (its header or its end marker is missing).")
    reason = _pdf_refusal(data)
    names = list(_pdf_names(data)) if reason is None else []
    if b"Encrypt" in names:
        reason = "it is encrypted, so it cannot be checked"
    inflated_total = 0
    found = 0
    for stream_names, raw in _object_streams(data) if reason is None else ():
        found += 1
        reason, used = _object_stream_refusal(stream_names, raw, _PDF_INFLATE_LIMIT - inflated_total)
        inflated_total += used
        if reason:
            break
    if reason is None and found < names.count(b"ObjStm"):
        reason = _CANNOT_CHECK
    if reason:
        raise UnsupportedMediaType(f"This PDF is not accepted because {reason}; send a plain document or a photo.")


# --- the services ---------------------------------------------------------------------------------------------


def _hash_and_head(upload: UploadedFile) -> tuple[str, bytes]:
    """SHA-256 of the bytes the client sent, streamed chunk by chunk, and the first bytes for sniffing."""
    digest = hashlib.sha256()
    head = b""
    upload.seek(0)
    for chunk in upload.chunks(_CHUNK):
        if len(head) < 32:
            head += chunk[: 32 - len(head)]
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest(), head


def _clean_name(name: str | None) -> str:
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable())[:255]


def media_upload(*, tenant: Tenant, uploaded_by: User | None, upload: UploadedFile, purpose: str) -> Media:
    """Check an uploaded file by its bytes, clean it, store it and its thumbnail, and record it.

    Images (JPEG, PNG, WebP, HEIC) are decoded within the pixel limit and re-encoded, which drops EXIF, GPS and
    any trailing bytes; HEIC is stored as JPEG. An anonymous upload has the lower public pixel cap, checked from
    the header before any pixel is decoded (what an anonymous caller can make a server hold). PDFs are stored
    as sent once checked. Anything else is 415; over the size or pixel limit is 413. The upload stays unattached until `media_attach`; unattached uploads
    are purged after 24 hours.
    """
    if purpose not in Media.Purpose.values:
        raise ValidationFailed.field("purpose", "invalid_choice", ApiMessage("Use one of: %(choices)s.", choices=", ".join(Media.Purpose.values)))
    limit = max_upload_bytes()
    if upload.size is not None and upload.size > limit:
        raise PayloadTooLarge(ApiMessage("The file is %(size)s bytes; uploads may be at most %(limit)s MB.",
                                         size=upload.size, limit=limit // (1024 * 1024)))
    if not upload.size:
        raise ValidationFailed.field("file", "empty", "The file is empty.")

    sha256, head = _hash_and_head(upload)
    sniffed = sniff(head)
    if sniffed is None:
        raise UnsupportedMediaType(f"This type of file is not accepted; send a {ACCEPTED_TYPES} file.")

    if sniffed.kind == Media.Kind.IMAGE:
        signed_in = uploaded_by is not None and uploaded_by.is_authenticated
        with decode_slot():
            prepared = _prepare_image(upload, sniffed.pillow_format, max_pixels() if signed_in else public_max_pixels())
    else:
        _check_pdf(upload)
        upload.seek(0)
        prepared = _Prepared("application/pdf", "pdf", upload, None, None, None)

    media = Media(
        tenant=tenant,
        uploaded_by=uploaded_by if uploaded_by is not None and uploaded_by.is_authenticated else None,
        kind=sniffed.kind,
        purpose=purpose,
        content_type=prepared.content_type,
        original_name=_clean_name(upload.name),
        sha256=sha256,
        width=prepared.width,
        height=prepared.height,
        size=0,
    )
    try:
        media.file.save(f"file.{prepared.extension}", File(prepared.body), save=False)
        media.size = media.file.size
        if prepared.thumbnail is not None:
            media.thumbnail.save("thumb.jpg", File(prepared.thumbnail), save=False)
        with transaction.atomic():
            media.save(force_insert=True)
    except BaseException:
        _delete_files(media.file.name, media.thumbnail.name)
        raise
    finally:
        if prepared.body is not upload:
            prepared.body.close()
        if prepared.thumbnail is not None:
            prepared.thumbnail.close()
    return media


def media_attach(*, media: Media, at: datetime.datetime | None = None) -> Media:
    """Mark an upload as taken by a registration, a claim or a message, so the 24-hour purge keeps it.

    Call it inside the caller's transaction, after checking the upload is the caller's to use (tenant, and
    `selectors.media.media_is_callers`). An upload can be attached once: if it already was, or the purge took it
    meanwhile, this raises 409 `media_already_attached` (the conditional update is the guard, so two requests
    racing for one upload cannot both have it).
    """
    at = at or timezone.now()
    updated = Media.objects.filter(pk=media.pk, tenant_id=media.tenant_id, attached_at__isnull=True).update(
        attached_at=at, updated_at=at
    )
    if not updated:
        raise Conflict(
            ApiMessage("The upload %(media)s is already in use or no longer exists; upload the file again.", media=media.pk),
            code=MediaErrorCode.MEDIA_ALREADY_ATTACHED,
        )
    media.attached_at = at
    return media


UNATTACHED_TTL = datetime.timedelta(hours=24)


def media_purge_unattached(*, now: datetime.datetime | None = None, batch_size: int = 500) -> int:
    """Delete uploads nobody attached within 24 hours: the row, then its file and thumbnail. Safe to run twice.

    This is maintenance across every tenant. Each row is deleted only if it is still unattached at that
    moment, so an upload attached while the purge runs keeps its files; files go only after their row did.
    """
    cutoff = (now or timezone.now()) - UNATTACHED_TTL
    deleted = 0
    while True:
        batch = list(
            Media.objects.filter(attached_at__isnull=True, created_at__lt=cutoff)
            .order_by("created_at")
            .values_list("pk", "file", "thumbnail")[:batch_size]
        )
        if not batch:
            return deleted
        for pk, file_name, thumbnail_name in batch:
            with transaction.atomic():
                count, _ = Media.objects.filter(pk=pk, attached_at__isnull=True).delete()
            if count:
                deleted += 1
                _delete_files(file_name, thumbnail_name)
        if len(batch) < batch_size:
            return deleted


def _delete_files(*names: str | None) -> None:
    for name in names:
        if not name:
            continue
        try:
            default_storage.delete(name)
        except Exception:  # a file left behind must not undo a deletion already committed
            logger.warning("Could not delete the stored file %s", name, exc_info=True)
