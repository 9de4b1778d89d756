"""Risk signals on a claim, for staff only: a score, a level and the reasons behind it.

Signals route a claim to a closer look; they never deny one. Each reason has a weight; the score is their sum
(at most 100) and the level follows from it. Photos are compared by a difference hash (dHash, 64 bits): the
image is reduced to 9 x 8 grey pixels and each bit says whether a pixel is brighter than its right neighbour,
which survives re-encoding, resizing and small crops far better than the file's bytes.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db.models import Q
from PIL import Image

from warranty_api.catalog.models import KnownSerial
from warranty_api.claims.models import Claim
from warranty_api.media.models import Media
from warranty_api.tenancy.models import VerificationMode
from warranty_api.warranties.models import Warranty

logger = logging.getLogger(__name__)

WEIGHTS = {
    "photo_reused": 40,
    "receipt_reused": 35,
    "claim_velocity": 25,
    "purchase_unverified": 25,
    "serial_not_known": 20,
    "early_claim": 15,
}
LEVELS = ("low", "medium", "high")
HIGH, MEDIUM = 50, 20
# Bits two hashes may differ by and still be the same picture: re-encoding and resizing move a few.
PHASH_MAX_DISTANCE = 6
VELOCITY_WINDOW = datetime.timedelta(days=90)
_UNVERIFIED = (Warranty.Verification.PENDING, Warranty.Verification.NOT_FOUND, Warranty.Verification.MISMATCH,
               Warranty.Verification.ERROR)


def image_dhash(stream) -> str:
    """The 64-bit difference hash of an image, as 16 hex digits."""
    with Image.open(stream) as image:
        image.draft("L", (64, 64))  # a JPEG decodes at a fraction of its size: the hash needs 72 pixels
        small = image.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    pixels = small.tobytes()  # mode L: one byte per pixel, row by row
    bits = 0
    for row in range(8):
        for col in range(8):
            bits = (bits << 1) | (pixels[row * 9 + col] > pixels[row * 9 + col + 1])
    return f"{bits:016x}"


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def media_phash(media: Media) -> str:
    """The image's hash, computed once and kept on the row; empty for a PDF or a file that does not decode."""
    if media.phash or media.kind != Media.Kind.IMAGE:
        return media.phash
    try:
        with media.file.open("rb") as stream:
            media.phash = image_dhash(stream)
    except Exception:  # a file that does not decode (or is gone) takes no part in the comparison
        logger.info("No perceptual hash for %s", media.id)
        return ""
    Media.objects.filter(pk=media.pk).update(phash=media.phash)
    return media.phash


def _near(hashes: list[str], others) -> bool:
    return any(other and hamming(h, other) <= PHASH_MAX_DISTANCE for other in others for h in hashes)


def _photo_reused(claim: Claim) -> bool:
    photos = list(Media.objects.filter(claim=claim))
    if not photos:
        return False
    digests = {m.sha256 for m in photos}
    hashes = [h for h in (media_phash(m) for m in photos) if h]
    others = Media.objects.filter(tenant_id=claim.tenant_id, claim__isnull=False).exclude(claim=claim)
    if others.filter(sha256__in=digests).exists():
        return True
    # Brands keep photos by the ten thousand, not the million: one pass over the stored 16-digit hashes.
    return bool(hashes) and _near(hashes, others.exclude(phash="").values_list("phash", flat=True).iterator())


def _receipt_reused(warranty: Warranty) -> bool:
    receipt = warranty.proof_of_purchase
    if receipt is None:
        return False
    # A transfer's new warranty carries its predecessor's receipt: the same unit, not another one.
    others = Warranty.objects.filter(tenant_id=warranty.tenant_id, proof_of_purchase__isnull=False).exclude(
        serial_number=warranty.serial_number
    )
    if others.filter(proof_of_purchase__sha256=receipt.sha256).exists():
        return True
    digest = media_phash(receipt)
    if not digest:
        return False
    return _near([digest], others.exclude(proof_of_purchase__phash="").values_list(
        "proof_of_purchase__phash", flat=True).iterator())


def _velocity(claim: Claim, warranty: Warranty) -> int:
    """Claims of the brand in the last 90 days from this claim's email, phone or address (this one included)."""
    same = Q(warranty__customer__email=warranty.customer.email)
    if warranty.contact_phone:
        same |= Q(warranty__contact_phone=warranty.contact_phone)
    if warranty.contact_address:
        same |= Q(warranty__contact_address=warranty.contact_address)
    since = claim.created_at - VELOCITY_WINDOW
    return Claim.objects.filter(same, tenant_id=claim.tenant_id, created_at__gte=since,
                                created_at__lte=claim.created_at).count()


def claim_risk_reasons(claim: Claim) -> list[dict]:
    tenant = claim.tenant
    warranty = Warranty.objects.select_related("customer", "proof_of_purchase").get(pk=claim.warranty_id)
    reasons = []
    if _photo_reused(claim):
        reasons.append({"code": "photo_reused", "message": "A photo of this claim appears in another claim."})
    if _receipt_reused(warranty):
        reasons.append({"code": "receipt_reused", "message": "The same receipt was sent with another warranty."})
    velocity = _velocity(claim, warranty)
    if velocity >= settings.AFTERSALE_RISK_VELOCITY_CLAIMS:
        reasons.append({"code": "claim_velocity", "message": f"{velocity} claims from the same email, phone or "
                        "address within 90 days."})
    days = (claim.created_at - warranty.created_at).total_seconds() / 86400
    if days < tenant.risk_early_claim_days:
        reasons.append({"code": "early_claim", "message": f"Filed {int(days)} days after the registration "
                        f"(under {tenant.risk_early_claim_days})."})
    if tenant.verification != VerificationMode.OFF and warranty.verification in _UNVERIFIED:
        reasons.append({"code": "purchase_unverified",
                        "message": f"The purchase is not verified in the store ({warranty.verification})."})
    known = KnownSerial.objects.filter(tenant_id=tenant.id)
    if known.exists() and not known.filter(serial_number=warranty.serial_number).exists():
        reasons.append({"code": "serial_not_known", "message": "The serial number is not in the brand's list."})
    return reasons


def risk_level(score: int) -> str:
    return "high" if score >= HIGH else "medium" if score >= MEDIUM else "low"


def claim_risk_assess(claim: Claim) -> Claim:
    """Compute and store the claim's risk (inside the caller's transaction)."""
    reasons = claim_risk_reasons(claim)
    score = min(100, sum(WEIGHTS[r["code"]] for r in reasons))
    claim.risk_score, claim.risk_level, claim.risk_reasons = score, risk_level(score), reasons
    claim.save(update_fields=["risk_score", "risk_level", "risk_reasons"])
    return claim


def claim_risk(claim: Claim) -> dict:
    """The `risk` object of the staff views."""
    return {"score": claim.risk_score, "level": claim.risk_level, "reasons": claim.risk_reasons or []}
