"""Risk signals on claims: each reason fires when it should and stays quiet when it should not; staff only."""

from __future__ import annotations

import datetime
import io
import random

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from tests.conftest import client_for
from tests.media.test_media import post_upload
from tests.support.claims_helpers import make_warranty
from warranty_api.claims.risk import PHASH_MAX_DISTANCE, hamming, image_dhash
from warranty_api.claims.services import claim_submit
from warranty_api.models import Claim, KnownSerial, Media, Role, Warranty


def scene(seed: int, size=(400, 300)) -> Image.Image:
    """A picture with shapes and shading, different for each seed."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        w, h = rng.randrange(40, 200), rng.randrange(40, 160)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)([x, y, x + w, y + h], fill=colour)
    return image


def encoded(image: Image.Image, fmt: str, scale: float = 1.0, **options) -> bytes:
    if scale != 1.0:
        image = image.resize((int(image.width * scale), int(image.height * scale)), Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _upload(tenant, user, content: bytes, content_type="image/png") -> str:
    response = post_upload(client_for(user, tenant), content, name="p.png", content_type=content_type,
                           url=f"/api/{tenant.slug}/upload")
    assert response.status_code == 201, response.content
    return response.json()["data"]["id"]


def _file(tenant, user, *, warranty: Warranty | None = None, photos=()) -> Claim:
    warranty = warranty or make_warranty(tenant, user)
    return claim_submit(tenant=tenant, user=user, warranty_id=warranty.id, issue_type="malfunction",
                        description="Broken", photos=list(photos))


def _codes(claim: Claim) -> set[str]:
    claim.refresh_from_db()
    return {reason["code"] for reason in claim.risk_reasons}


def _old_warranty(tenant, user, **fields) -> Warranty:
    """A warranty registered long ago, so a claim on it is not an early one."""
    warranty = make_warranty(tenant, user, **fields)
    Warranty.objects.filter(pk=warranty.pk).update(created_at=timezone.now() - datetime.timedelta(days=200))
    return warranty


# --- the hash ------------------------------------------------------------------------------------------------


def test_the_hash_survives_re_encoding_and_resizing_and_tells_pictures_apart():
    original = image_dhash(io.BytesIO(encoded(scene(1), "PNG")))
    for copy in (encoded(scene(1), "JPEG", quality=55), encoded(scene(1), "JPEG", 0.5, quality=70),
                 encoded(scene(1), "WEBP", 1.7), encoded(scene(1), "PNG", 0.3)):
        assert hamming(original, image_dhash(io.BytesIO(copy))) <= PHASH_MAX_DISTANCE
    for other in range(2, 8):
        assert hamming(original, image_dhash(io.BytesIO(encoded(scene(other), "PNG")))) > PHASH_MAX_DISTANCE


# --- photo_reused --------------------------------------------------------------------------------------------


def test_photo_reused_fires_for_the_same_picture_resized_and_re_encoded(tenant, owner, make_customer):
    _file(tenant, owner, photos=[_upload(tenant, owner, encoded(scene(1), "PNG"))])
    other = make_customer(tenant, "other@example.com")
    copy = _upload(tenant, other, encoded(scene(1), "JPEG", 0.6, quality=60), "image/jpeg")
    claim = _file(tenant, other, warranty=_old_warranty(tenant, other), photos=[copy])
    assert "photo_reused" in _codes(claim)


def test_photo_reused_fires_for_a_photo_sent_later_in_a_message(tenant, owner, make_customer):
    from warranty_api.claims.services import claim_message_post

    _file(tenant, owner, photos=[_upload(tenant, owner, encoded(scene(1), "PNG"))])
    other = make_customer(tenant, "other@example.com")
    claim = _file(tenant, other, warranty=_old_warranty(tenant, other))
    assert "photo_reused" not in _codes(claim)
    claim_message_post(tenant=tenant, claim_id=claim.id, user=other, body="",
                       photos=[_upload(tenant, other, encoded(scene(1), "JPEG", quality=80), "image/jpeg")])
    assert "photo_reused" in _codes(claim)


def test_photo_reused_stays_quiet_for_different_pictures_and_other_brands(tenant, other_tenant, owner, make_customer):
    foreign = make_customer(other_tenant, "owner@example.com")
    _file(other_tenant, foreign, photos=[_upload(other_tenant, foreign, encoded(scene(1), "PNG"))])
    _file(tenant, owner, photos=[_upload(tenant, owner, encoded(scene(2), "PNG"))])
    claim = _file(tenant, owner, photos=[_upload(tenant, owner, encoded(scene(1), "PNG"))])
    assert "photo_reused" not in _codes(claim)


# --- receipt_reused ------------------------------------------------------------------------------------------


def _receipt(tenant, digest: str) -> Media:
    media = Media(tenant=tenant, kind=Media.Kind.PDF, purpose=Media.Purpose.PROOF_OF_PURCHASE,
                  content_type="application/pdf", size=4, sha256=digest, attached_at=timezone.now())
    media.file.save("r.pdf", ContentFile(b"%PDF"), save=False)
    media.save()
    return media


def _with_receipt(tenant, user, digest: str, **fields) -> Warranty:
    warranty = _old_warranty(tenant, user, **fields)
    Warranty.objects.filter(pk=warranty.pk).update(proof_of_purchase=_receipt(tenant, digest))
    return warranty


def test_receipt_reused_fires_when_another_warranty_has_the_same_receipt(tenant, owner):
    _with_receipt(tenant, owner, "a" * 64)
    claim = _file(tenant, owner, warranty=_with_receipt(tenant, owner, "a" * 64))
    assert "receipt_reused" in _codes(claim)


def test_receipt_reused_stays_quiet_for_its_own_receipt_and_a_transfer_of_the_same_unit(tenant, owner):
    _with_receipt(tenant, owner, "b" * 64)  # another receipt
    first = _with_receipt(tenant, owner, "c" * 64, serial="SN-CA-55550000", status="transferred")
    successor = _with_receipt(tenant, owner, "c" * 64, serial="SN-CA-55550000")
    assert first.serial_number == successor.serial_number
    assert "receipt_reused" not in _codes(_file(tenant, owner, warranty=successor))


# --- claim_velocity ------------------------------------------------------------------------------------------


def test_claim_velocity_fires_on_the_third_claim_from_one_email_in_90_days(tenant, owner):
    first = _file(tenant, owner, warranty=_old_warranty(tenant, owner))
    second = _file(tenant, owner, warranty=_old_warranty(tenant, owner))
    third = _file(tenant, owner, warranty=_old_warranty(tenant, owner))
    assert "claim_velocity" not in _codes(first) | _codes(second)
    assert "claim_velocity" in _codes(third)


def test_claim_velocity_counts_one_phone_across_emails(tenant, make_customer):
    claims = []
    for n in range(3):
        person = make_customer(tenant, f"person{n}@example.com")
        warranty = _old_warranty(tenant, person)
        Warranty.objects.filter(pk=warranty.pk).update(contact_phone="+1 555 0100")
        claims.append(_file(tenant, person, warranty=warranty))
    assert "claim_velocity" in _codes(claims[2])


def test_claim_velocity_forgets_claims_older_than_90_days(tenant, owner):
    for _ in range(2):
        old = _file(tenant, owner, warranty=_old_warranty(tenant, owner))
        Claim.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=91))
    assert "claim_velocity" not in _codes(_file(tenant, owner, warranty=_old_warranty(tenant, owner)))


# --- early_claim ---------------------------------------------------------------------------------------------


def test_early_claim_fires_within_the_brands_days_of_registration(tenant, owner):
    assert "early_claim" in _codes(_file(tenant, owner))


def test_early_claim_stays_quiet_after_them(tenant, owner):
    tenant.risk_early_claim_days = 14
    tenant.save()
    warranty = make_warranty(tenant, owner)
    Warranty.objects.filter(pk=warranty.pk).update(created_at=timezone.now() - datetime.timedelta(days=15))
    assert "early_claim" not in _codes(_file(tenant, owner, warranty=warranty))


# --- purchase_unverified -------------------------------------------------------------------------------------


@pytest.mark.parametrize("verification", ["not_found", "mismatch", "error"])
def test_purchase_unverified_fires_when_the_store_did_not_confirm_it(tenant, owner, verification):
    tenant.verification = "advisory"
    tenant.save()
    warranty = _old_warranty(tenant, owner)
    Warranty.objects.filter(pk=warranty.pk).update(verification=verification)
    assert "purchase_unverified" in _codes(_file(tenant, owner, warranty=warranty))


@pytest.mark.parametrize("mode, verification", [("advisory", "verified"), ("advisory", "overridden"), ("off", "off")])
def test_purchase_unverified_stays_quiet_when_verified_or_not_checked(tenant, owner, mode, verification):
    tenant.verification = mode
    tenant.save()
    warranty = _old_warranty(tenant, owner)
    Warranty.objects.filter(pk=warranty.pk).update(verification=verification)
    assert "purchase_unverified" not in _codes(_file(tenant, owner, warranty=warranty))


# --- serial_not_known ----------------------------------------------------------------------------------------


def test_serial_not_known_fires_when_the_brand_has_a_list_without_it(tenant, owner):
    assert KnownSerial.objects.filter(tenant=tenant).exists()  # the brand file loads one
    assert "serial_not_known" in _codes(_file(tenant, owner, warranty=_old_warranty(tenant, owner)))


def test_serial_not_known_stays_quiet_for_a_known_serial_or_a_brand_without_a_list(tenant, owner):
    known = _old_warranty(tenant, owner, serial="SN-CA-20250115")
    assert "serial_not_known" not in _codes(_file(tenant, owner, warranty=known))
    KnownSerial.objects.filter(tenant=tenant).delete()
    assert "serial_not_known" not in _codes(_file(tenant, owner, warranty=_old_warranty(tenant, owner)))


# --- score, level, queue -------------------------------------------------------------------------------------


def test_score_level_and_the_queue_filter_and_nothing_is_denied(tenant, owner, make_customer, make_staff):
    calm = _file(tenant, owner, warranty=_old_warranty(tenant, owner, serial="SN-CA-20250115"))
    _file(tenant, owner, photos=[_upload(tenant, owner, encoded(scene(3), "PNG"))])
    other = make_customer(tenant, "other@example.com")
    risky = _file(tenant, other, photos=[_upload(tenant, other, encoded(scene(3), "JPEG", quality=70), "image/jpeg")])
    staff = client_for(make_staff(tenant, Role.AGENT), tenant)
    view = staff.get(f"/api/northpeak/admin/claims/{risky.id}").json()["data"]
    # photo_reused 40 + early_claim 15 + serial_not_known 20.
    assert view["risk"]["score"] == 75 and view["risk"]["level"] == "high"
    assert {r["code"] for r in view["risk"]["reasons"]} == {"photo_reused", "early_claim", "serial_not_known"}
    assert all(r["message"] for r in view["risk"]["reasons"])
    calm_view = staff.get(f"/api/northpeak/admin/claims/{calm.id}").json()["data"]
    assert calm_view["risk"] == {"score": 0, "level": "low", "reasons": []}
    queue = staff.get("/api/northpeak/admin/claims", {"risk_level": "high"}).json()["data"]
    assert [c["id"] for c in queue] == [risky.id]
    assert staff.get("/api/northpeak/admin/claims", {"risk_level": "extreme"}).status_code == 400
    risky.refresh_from_db()
    assert risky.status == "submitted"  # a signal routes to review; it never decides
    customer_view = client_for(other, tenant).get(f"/api/northpeak/claims/{risky.id}").json()["data"]
    assert "risk" not in customer_view and "risk" not in str(customer_view)
