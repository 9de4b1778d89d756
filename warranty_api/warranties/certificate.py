"""The warranty certificate: one A4 page per warranty (fpdf2), in the owner's language, with a QR code to its page.

A customer downloads it signed in (`GET /api/<tenant>/warranties/<id>/certificate`), or from the registration
email without an account, through a signed link (`GET /api/p/<tenant>/certificate?token=...`): the token names
the brand and the warranty under its own salt, so it opens that one certificate and nothing else.

A certificate of a warranty that no longer covers the product (void, transferred, expired) is still issued, with
its status in a red banner across the page: the owner learns why in words, which a refusal would not tell them,
and a printed copy cannot pass for a valid one. The QR code opens the warranty's page, which shows it live.

Text is written in DejaVu Sans (Latin, Greek, Cyrillic: "Łukasz", "Ωμέγα", "Добрый" print as written), shipped in
`fonts/` with its licence. A certificate with a character DejaVu lacks (Chinese, Japanese, Korean: "山田") also
takes Droid Sans Fallback, for those characters alone: reading its 3.4 MB costs about half a second, so only
then. A character neither has (Devanagari, say) is replaced (`pdf_text`): a letter by its base letter when that
prints, anything else by "?". fpdf2 embeds only the glyphs used. The document's metadata (title, subject) keep the
owner's name as it is.
"""

from __future__ import annotations

import functools
import io
import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import astuple, dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import segno
from django.conf import settings
from django.core import signing
from django.core.files.storage import default_storage
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from warranty_api.core.emails import is_erased_email
from warranty_api.core.exceptions import NotFound
from warranty_api.tenancy.branding import branding_for
from warranty_api.tenancy.languages import language_for_message
from warranty_api.tenancy.models import Coverage, Tenant
from warranty_api.warranties.models import Warranty
from warranty_api.warranties.selectors import customer_warranty_list, warranty_contact

logger = logging.getLogger(__name__)

CERTIFICATE_SALT = "aftersale.warranties.certificate"
# The registration email says "keep this email": its link works for as long as the warranty row exists. What it
# opens is the owner's own certificate, and a void or transferred warranty's says so.
_FILENAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


# ---------------------------------------------------------------------------------------------- links


def warranty_page_url(tenant_slug: str, warranty_id: str) -> str:
    """The warranty's page in the portal (home/models.py `products/<warranty_id>/`), where its code leads."""
    base = settings.AFTERSALE_PUBLIC_BASE_URL.rstrip("/")
    return f"{base}/{tenant_slug}/products/{quote(warranty_id, safe='')}/"


def certificate_token(*, tenant: Tenant, warranty_id: str, language: str = "") -> str:
    return signing.dumps({"t": tenant.id, "w": warranty_id, "l": language}, salt=CERTIFICATE_SALT)


def certificate_link(*, tenant: Tenant, warranty_id: str, language: str = "") -> str:
    """The signed, sign-in-free address of one warranty's certificate (the registration email's link)."""
    base = settings.AFTERSALE_PUBLIC_BASE_URL.rstrip("/")
    token = certificate_token(tenant=tenant, warranty_id=warranty_id, language=language)
    return f"{base}/api/p/{tenant.slug}/certificate?{urlencode({'token': token})}"


def _certificate_qs(tenant: Tenant):
    return Warranty.objects.filter(tenant=tenant).select_related("product__category", "customer", "owner", "tenant")


def certificate_warranty_by_token(*, tenant: Tenant, token: str) -> tuple[Warranty, str]:
    """The warranty a signed link names, and the language it was sent in; 404 for a bad, tampered or other
    brand's token, as for a warranty that does not exist (API.md: its existence is not revealed)."""
    try:
        data = signing.loads(token or "", salt=CERTIFICATE_SALT)
    except (signing.BadSignature, TypeError, ValueError):
        raise NotFound() from None
    if not isinstance(data, dict) or data.get("t") != tenant.id or not isinstance(data.get("w"), str):
        raise NotFound()
    warranty = _certificate_qs(tenant).filter(id=data["w"]).first()
    # An erased customer's link opens nothing: the email it came in was deleted with the rest of their data.
    if warranty is None or is_erased_email(warranty.customer.email):
        raise NotFound()
    return warranty, str(data.get("l") or "")


def certificate_warranty_of_owner(*, tenant: Tenant, user, warranty_id: str) -> Warranty:
    """The signed-in customer's own warranty (`customer_warranty_list`'s scoping), with what the page needs."""
    warranty = (
        customer_warranty_list(tenant=tenant, user=user)
        .select_related("customer", "owner", "tenant")
        .filter(id=warranty_id)
        .first()
    )
    if warranty is None:
        raise NotFound()
    return warranty


def certificate_filename(warranty: Warranty) -> str:
    serial = _FILENAME_UNSAFE.sub("-", warranty.serial_number).strip("-.") or warranty.id
    return f"warranty-{serial}.pdf"


def certificate_language(warranty: Warranty, *, language: str = "") -> str:
    """The owner account's language, else the one named (the email's, or the page's), else the brand's default."""
    return language_for_message(warranty.tenant, user=warranty.owner if warranty.owner_id else None, language=language)


# ---------------------------------------------------------------------------------------------- text


FONTS = Path(__file__).with_name("fonts")
_FAMILY = "dejavu-sans"
_FAMILY_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
_FALLBACK, _FALLBACK_FILE = "droid-sans-fallback", "DroidSansFallback.ttf"
_LATIN_LETTER = re.compile(r"^LATIN (CAPITAL|SMALL) LETTER ([A-Z]{1,2})\b")


@functools.cache
def _characters_of(filename: str) -> frozenset[int]:
    """The code points the font has a glyph for (read once per process)."""
    from fontTools.ttLib import TTFont

    with TTFont(FONTS / filename, lazy=True) as font:
        return frozenset(font.getBestCmap())


def _family_has(char: str) -> bool:
    code = ord(char)
    return all(code in _characters_of(name) for name in _FAMILY_FILES.values())


def _printable(char: str) -> bool:
    return char in "\n\t" or _family_has(char) or ord(char) in _characters_of(_FALLBACK_FILE)


def _replacement(char: str) -> str:
    kept = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    if kept and kept != char and all(_printable(c) for c in kept):
        return kept
    found = _LATIN_LETTER.match(unicodedata.name(char, ""))
    if found:
        letters = found.group(2)
        return letters if found.group(1) == "CAPITAL" else letters.lower()
    return "?"


def pdf_text(value: str) -> str:
    """`value` as the certificate's fonts can write it: see the module's docstring for what is replaced."""
    value = "" if value is None else str(value)
    return "".join(c if _printable(c) else _replacement(c) for c in value)


def needs_fallback_font(texts: Iterable[str]) -> bool:
    """Whether any of `texts` has a character only the fallback font has."""
    return any(not _family_has(c) and c not in "\n\t" for text in texts for c in pdf_text(text))


def coverage_words(coverage: str) -> tuple[str, str]:
    """The coverage's name and one sentence on what it means for the owner."""
    if coverage == Coverage.FULL_REPLACEMENT:
        return gettext("Full replacement"), gettext("A product that fails under warranty is replaced with a new one.")
    if coverage == Coverage.REPAIR:
        return gettext("Repair"), gettext("A product that fails under warranty is repaired free of charge.")
    if coverage == Coverage.LIMITED:
        return gettext("Limited"), gettext("Some parts and faults are covered, as the brand's warranty terms describe.")
    return coverage.replace("_", " ").capitalize(), ""


def status_words(status: str) -> tuple[str, str]:
    """The warranty's status and, when it does not (or not yet) cover the product, what that means."""
    if status == "active":
        return gettext("Active"), ""
    if status == "expired":
        return gettext("Expired"), gettext("This warranty has ended: it no longer covers this product.")
    if status == "void":
        return gettext("Void"), gettext("This warranty is void: it no longer covers this product.")
    if status == "transferred":
        return gettext("Transferred"), gettext(
            "This warranty was transferred to a new owner: this certificate is no longer valid."
        )
    if status == "pending_verification":
        return gettext("Pending verification"), gettext(
            "The purchase is being checked: the warranty covers the product once it is confirmed."
        )
    return status.replace("_", " ").capitalize(), ""


def _date(value) -> str:
    return formats.date_format(value, "DATE_FORMAT", use_l10n=True)


# ---------------------------------------------------------------------------------------------- the page


@dataclass(frozen=True)
class CertificateFacts:
    """What the page says, already in its language (tests read them back from the PDF's text)."""

    brand: str
    tagline: str
    product: str
    sku: str
    serial: str
    owner: str
    purchase_date: str
    warranty_start: str
    warranty_end: str
    coverage: str
    coverage_detail: str
    status: str
    status_detail: str
    status_code: str
    warranty_id: str
    issued_on: str
    page_url: str
    support_email: str


def certificate_facts(warranty: Warranty, *, today=None) -> CertificateFacts:
    """The certificate's content in the active language."""
    today = today or timezone.localdate()
    tenant = warranty.tenant
    status_code = warranty.effective_status(today)
    status, status_detail = status_words(status_code)
    coverage, coverage_detail = coverage_words(warranty.coverage)
    branding = branding_for(tenant)
    return CertificateFacts(
        brand=tenant.name,
        tagline=branding["tagline"],
        product=warranty.product.name,
        sku=warranty.product.sku,
        serial=warranty.serial_number,
        owner=warranty_contact(warranty)["name"] or warranty.customer.name or "",
        purchase_date=_date(warranty.purchase_date),
        warranty_start=_date(warranty.warranty_start),
        warranty_end=_date(warranty.warranty_end),
        coverage=coverage,
        coverage_detail=coverage_detail,
        status=status,
        status_detail=status_detail,
        status_code=status_code,
        warranty_id=warranty.id,
        issued_on=_date(today),
        page_url=warranty_page_url(tenant.slug, warranty.id),
        support_email=tenant.support_email,
    )


def certificate_qr(url: str) -> segno.QRCode:
    """The code drawn on the page: error level M, raised when the URL leaves room (as the labels' codes)."""
    return segno.make_qr(url, error="m", boost_error=True)


def _qr_png(url: str) -> bytes:
    out = io.BytesIO()
    certificate_qr(url).save(out, kind="png", scale=10, border=4, dark="#000", light="#fff")
    return out.getvalue()


def _logo_bytes(tenant: Tenant) -> io.BytesIO | None:
    """The brand's logo when it is a file of the media storage; a remote address is skipped (nothing is fetched
    from the network while a customer waits), and so is a file that cannot be read."""
    url = branding_for(tenant)["logo_url"]
    media_url = settings.MEDIA_URL
    if not url or not media_url or not url.startswith(media_url) or ".." in url:
        return None
    name = url[len(media_url):].split("?", 1)[0]
    try:
        with default_storage.open(name, "rb") as handle:
            return io.BytesIO(handle.read())
    except Exception:  # missing file, storage down: the certificate goes out without the logo
        logger.warning("certificate: the logo %s of %s could not be read", name, tenant.slug, exc_info=True)
        return None


def _logo_box(logo: io.BytesIO, *, max_w: float, max_h: float) -> tuple[float, float]:
    """The logo's size in mm, fitted into max_w x max_h with its proportions (a square box for what Pillow cannot
    measure, such as SVG, which fpdf2 then fits itself)."""
    from PIL import Image

    try:
        with Image.open(logo) as image:
            width, height = image.size
    except Exception:
        width = height = 1
    finally:
        logo.seek(0)
    scale = min(max_w / width, max_h / height)
    return width * scale, height * scale


def _rgb(hex_color: str) -> tuple[int, int, int]:
    value = hex_color.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def certificate_pdf(warranty: Warranty, *, language: str = "", today=None) -> bytes:
    """The certificate of `warranty` in `language` (see `certificate_language`), as PDF bytes."""
    from fpdf import FPDF  # a large library, loaded by the first certificate rather than by every process

    with translation.override(certificate_language(warranty, language=language)):
        facts = certificate_facts(warranty, today=today)
        labels = {
            "title": gettext("Warranty certificate"),
            "intro": gettext("This certifies that the product below is registered for warranty with %(brand)s.")
            % {"brand": facts.brand},
            "product": gettext("Product"),
            "sku": gettext("SKU"),
            "serial": gettext("Serial number"),
            "owner": gettext("Owner"),
            "purchased": gettext("Purchase date"),
            "term": gettext("Warranty term"),
            "term_value": gettext("%(start)s to %(end)s") % {"start": facts.warranty_start, "end": facts.warranty_end},
            "coverage": gettext("Coverage"),
            "status": gettext("Status"),
            "id": gettext("Warranty ID"),
            "issued": gettext("Issued on"),
            "scan": gettext("Scan to see this warranty online"),
            "keep": gettext("Keep this certificate with your proof of purchase."),
            "questions": gettext("Questions? Write to %(email)s.") % {"email": facts.support_email},
        }
        lang = translation.get_language() or "en"

    branding = branding_for(warranty.tenant)
    primary, accent = _rgb(branding["primary_color"]), _rgb(branding["accent_color"])
    ink, muted, rule = (33, 37, 41), (96, 103, 112), (214, 218, 223)

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.set_title(f"{labels['title']} - {facts.product} {facts.serial}")
    pdf.set_author(facts.brand)
    pdf.set_subject(f"{facts.owner} - {facts.warranty_id}")
    pdf.set_creator("Aftersale")
    pdf.set_lang(lang)
    for style, filename in _FAMILY_FILES.items():
        pdf.add_font(_FAMILY, style, FONTS / filename)
    if needs_fallback_font([*astuple(facts), *labels.values()]):
        pdf.add_font(_FALLBACK, "", FONTS / _FALLBACK_FILE)
        pdf.set_fallback_fonts([_FALLBACK], exact_match=False)  # its one style serves bold text too
    pdf.add_page()
    width, height = pdf.w, pdf.h

    def text(x, y, w, h, value, *, size=10.0, style="", color=ink, align="L"):
        pdf.set_xy(x, y)
        pdf.set_font(_FAMILY, style, size)
        pdf.set_text_color(*color)
        pdf.multi_cell(w, h, pdf_text(value), align=align)
        return pdf.get_y()

    # A frame in the brand's accent colour, as a printed certificate has.
    pdf.set_draw_color(*accent)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, width - 16, height - 16)
    pdf.set_line_width(0.3)
    pdf.rect(10.5, 10.5, width - 21, height - 21)

    # The brand's band: its colour, logo and name.
    pdf.set_fill_color(*primary)
    pdf.rect(10.5, 10.5, width - 21, 34, style="F")
    name_x = 22
    logo = _logo_bytes(warranty.tenant)
    if logo is not None:
        try:
            # At most 56 x 24 mm whatever its shape; the brand's name is set after it.
            box_w, box_h = _logo_box(logo, max_w=56.0, max_h=24.0)
            pdf.image(logo, x=20, y=15.5 + (24 - box_h) / 2, w=box_w, h=box_h)
            name_x = 20 + box_w + 7
        except Exception:  # an image fpdf2 cannot read: the brand's name stands alone
            logger.warning("certificate: the logo of %s could not be drawn", warranty.tenant.slug, exc_info=True)
    text(name_x, 19, width - name_x - 22, 9, facts.brand, size=20, style="B", color=(255, 255, 255))
    if facts.tagline:
        text(name_x, 29.5, width - name_x - 22, 6, facts.tagline, size=10.5, color=(235, 238, 241))

    # The title.
    y = text(22, 58, width - 44, 12, labels["title"], size=26, style="B", color=primary)
    pdf.set_draw_color(*accent)
    pdf.set_line_width(0.8)
    pdf.line(22, y + 2, 62, y + 2)
    y = text(22, y + 7, width - 44, 6, labels["intro"], size=11, color=muted) + 6

    # A warranty that does not cover the product says so across the page (its status row is then this banner).
    banner = bool(facts.status_detail) and facts.status_code != "pending_verification"
    if banner:
        pdf.set_fill_color(253, 236, 236)
        pdf.set_draw_color(176, 32, 32)
        pdf.set_line_width(0.6)
        pdf.rect(22, y, width - 44, 18, style="DF")
        text(27, y + 2.5, width - 54, 7, facts.status.upper(), size=14, style="B", color=(160, 20, 20))
        text(27, y + 9.5, width - 54, 5.5, facts.status_detail, size=10, color=(120, 20, 20))
        y += 24
    elif facts.status_detail:
        pdf.set_fill_color(255, 246, 222)
        pdf.rect(22, y, width - 44, 12, style="F")
        text(27, y + 3.3, width - 54, 5.5, facts.status_detail, size=10, color=(110, 80, 10))
        y += 18

    # The facts, label over value, beside the QR code.
    code_size, code_x = 52.0, width - 22 - 52.0
    column_w = code_x - 22 - 10
    rows = [
        (labels["product"], facts.product, True),
        (labels["sku"], facts.sku, False),
        (labels["serial"], facts.serial, True),
        (labels["owner"], facts.owner, True),
        (labels["purchased"], facts.purchase_date, False),
        (labels["term"], labels["term_value"], True),
        (labels["coverage"], facts.coverage, True),
    ]
    if not banner:
        rows.append((labels["status"], facts.status, True))
    top = y
    for label, value, strong in rows:
        text(22, y, column_w, 4.5, label.upper(), size=7.5, style="B", color=muted)
        y = text(22, y + 4.4, column_w, 6, value or "-", size=12.5, style="B" if strong else "", color=ink)
        if label == labels["coverage"] and facts.coverage_detail:
            y = text(22, y + 0.3, column_w, 4.6, facts.coverage_detail, size=9.5, color=muted)
        pdf.set_draw_color(*rule)
        pdf.set_line_width(0.2)
        pdf.line(22, y + 1.8, 22 + column_w, y + 1.8)
        y += 4

    pdf.image(io.BytesIO(_qr_png(facts.page_url)), x=code_x, y=top, w=code_size, h=code_size)
    caption_y = text(code_x, top + code_size + 1.5, code_size, 4.8, labels["scan"], size=9, style="B", align="C")
    text(code_x - 4, caption_y + 1, code_size + 8, 3.6, facts.page_url, size=6.5, color=muted, align="C")

    # The reference and the issue date, then the brand's contact at the foot.
    # Below the facts however far long names pushed them; a page of usual names has it at the same place.
    footer = max(height - 54, y + 4)
    pdf.set_draw_color(*rule)
    pdf.set_line_width(0.3)
    pdf.line(22, footer, width - 22, footer)
    half = (width - 44) / 2
    text(22, footer + 5, half, 4.5, labels["id"].upper(), size=7.5, style="B", color=muted)
    pdf.set_xy(22, footer + 9.6)
    pdf.set_font("courier", "B", 11)
    pdf.set_text_color(*ink)
    pdf.cell(half, 6, pdf_text(facts.warranty_id))
    text(22 + half, footer + 5, half, 4.5, labels["issued"].upper(), size=7.5, style="B", color=muted)
    text(22 + half, footer + 9.6, half, 6, facts.issued_on, size=11, style="B")
    text(22, footer + 22, width - 44, 5, labels["keep"], size=9.5, color=muted)
    text(22, footer + 27.5, width - 44, 5, labels["questions"], size=9.5, color=muted)
    pdf.set_fill_color(*accent)
    pdf.rect(10.5, height - 10.5 - 4, width - 21, 4, style="F")
    return bytes(pdf.output())
