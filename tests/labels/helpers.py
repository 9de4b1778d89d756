"""Shared helpers of the scan-to-register tests: decoding codes, a brand with a GTIN product."""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image


def decode_png(data: bytes) -> str:
    image = Image.open(io.BytesIO(data)).convert("L")
    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(results) == 1, results
    return results[0].text


def decode_image(image: Image.Image, upscale: int = 8) -> str:
    image = image.convert("L")
    big = image.resize((image.width * upscale, image.height * upscale), Image.NEAREST)
    results = zxingcpp.read_barcodes(big, formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(results) == 1, results
    return results[0].text


def as_path(url: str, base: str) -> str:
    """The path of a code's absolute URL under PUBLIC_BASE_URL, for the test client."""
    assert url.startswith(base + "/"), (url, base)
    return url[len(base):]
