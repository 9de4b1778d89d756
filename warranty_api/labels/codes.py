"""What a label's QR code says (a short absolute URL under PUBLIC_BASE_URL) and the code itself (segno).

A unit's code is `<base>/<tenant>/s/<serial>`, a product's `<base>/<tenant>/p/<product id>`; a product with a
GTIN gets GS1 Digital Link paths instead (`<base>/<tenant>/01/<GTIN-14>/21/<serial>`, `.../01/<GTIN-14>`).
"""

from __future__ import annotations

import io
from urllib.parse import quote

import segno
from django.conf import settings
from django.http import HttpResponse

# GS1 Digital Link and a small label both want the code to survive a scratch: M at least, and segno raises it
# to Q or H for free when the URL leaves room in the same version.
ERROR_LEVEL = "m"


def _base(tenant_slug: str) -> str:
    return f"{settings.AFTERSALE_PUBLIC_BASE_URL.rstrip('/')}/{tenant_slug}"


def serial_code_url(tenant_slug: str, serial: str, gtin: str = "") -> str:
    part = quote(serial, safe="")
    if gtin:
        return f"{_base(tenant_slug)}/01/{gtin}/21/{part}"
    return f"{_base(tenant_slug)}/s/{part}"


def product_code_url(tenant_slug: str, product_id: str, gtin: str = "") -> str:
    if gtin:
        return f"{_base(tenant_slug)}/01/{gtin}"
    return f"{_base(tenant_slug)}/p/{quote(product_id, safe='')}"


def qr_make(url: str) -> segno.QRCode:
    return segno.make_qr(url, error=ERROR_LEVEL, boost_error=True)


def qr_svg(url: str) -> bytes:
    """A standalone SVG whose size is in millimetres (one module 0.5 mm), so it prints at scale as it is."""
    out = io.BytesIO()
    qr_make(url).save(out, kind="svg", scale=0.5, unit="mm", border=4, xmldecl=True, svgns=True,
                      title=url, dark="#000", light="#fff")
    return out.getvalue()


def qr_png(url: str, scale: int = 8) -> bytes:
    out = io.BytesIO()
    qr_make(url).save(out, kind="png", scale=scale, border=4, dark="#000", light="#fff")
    return out.getvalue()


def qr_matrix_rows(url: str, border: int = 4) -> list[tuple[bool, ...]]:
    """The code's modules row by row, quiet zone included (True is dark)."""
    return [tuple(bool(v) for v in row) for row in qr_make(url).matrix_iter(scale=1, border=border)]


def qr_response(url: str, fmt: str, filename: str):
    """The code as an answer of its own (`svg` or `png`): shown inline, never read as a page, its URL in a header.
    The admin API and the admin's QR screen both answer with it."""
    body, content_type = (qr_svg(url), "image/svg+xml") if fmt == "svg" else (qr_png(url), "image/png")
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}.{fmt}"'
    response["X-Code-Url"] = url
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response["Cache-Control"] = "private, max-age=300"
    return response
