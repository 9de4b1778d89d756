"""A label-sheet PDF written object by object as it goes, so memory stays flat whatever the label count.

Each label is its QR code as a 1-bit image (a few hundred bytes, sharp at any print resolution because
it is drawn without interpolation) and the serial in text under it. Only the byte offsets of the objects
are kept until the end (8 bytes each, in an array), for the cross-reference table.
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from warranty_api.labels.codes import qr_matrix_rows

MM = 72 / 25.4


@dataclass(frozen=True)
class LabelLayout:
    """A sheet of labels: page size, grid and label size, all in millimetres."""

    name: str
    description: str
    page_w: float
    page_h: float
    columns: int
    rows: int
    label_w: float
    label_h: float
    left: float
    top: float
    pitch_x: float
    pitch_y: float
    code_mm: float
    font_pt: float

    @property
    def per_page(self) -> int:
        return self.columns * self.rows


LAYOUTS = {
    # Avery L7159: A4, 3 x 8 labels of 63.5 x 33.9 mm; a 24 mm code scans from arm's length.
    "L7159": LabelLayout("L7159", "A4, 24 labels (Avery L7159, 63.5 x 33.9 mm)", 210, 297, 3, 8, 63.5, 33.9,
                         7.25, 12.9, 66.0, 33.9, 24.0, 9),
    # Avery L7651: A4, 5 x 13 labels of 38.1 x 21.2 mm, for small parts; the code is 15 mm.
    "L7651": LabelLayout("L7651", "A4, 65 labels (Avery L7651, 38.1 x 21.2 mm)", 210, 297, 5, 13, 38.1, 21.2,
                         4.7, 10.7, 40.6, 21.2, 15.0, 6.5),
}
DEFAULT_LAYOUT = "L7159"


def _text(value: str) -> bytes:
    """A PDF literal string in WinAnsi; characters it cannot hold print as '?'."""
    raw = value.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _image_bits(rows: list[tuple[bool, ...]]) -> bytes:
    """Rows of modules as DeviceGray 1-bit samples (1 is white), each row padded to a whole byte."""
    out = bytearray()
    for row in rows:
        byte = 0
        bits = 0
        for dark in row:
            byte = (byte << 1) | (0 if dark else 1)
            bits += 1
            if bits == 8:
                out.append(byte)
                byte = bits = 0
        if bits:
            out.append(((byte << (8 - bits)) | ((1 << (8 - bits)) - 1)) & 0xFF)
    return bytes(out)


class LabelSheetWriter:
    """Writes a PDF of (url, caption) labels to `out`; call `add` for each, then `close`."""

    CATALOG, PAGES, FONT = 1, 2, 3

    def __init__(self, out: BinaryIO, layout: LabelLayout, title: str = "QR labels"):
        self.out = out
        self.layout = layout
        self.pos = 0
        self.offsets = array("Q", [0, 0, 0, 0])  # index = object number; 0 is the free head
        self.pages: array = array("Q")
        self.pending: list[tuple[str, str]] = []
        self.count = 0
        self.title = title
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    def _write(self, data: bytes) -> None:
        self.out.write(data)
        self.pos += len(data)

    def _new_object(self) -> int:
        self.offsets.append(0)
        return len(self.offsets) - 1

    def _object(self, number: int, body: bytes) -> None:
        self.offsets[number] = self.pos
        self._write(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    def _stream(self, number: int, head: bytes, data: bytes) -> None:
        data = zlib.compress(data, 6)
        self._object(number, b"<<" + head + b" /Filter /FlateDecode /Length %d>>\nstream\n" % len(data) + data
                     + b"\nendstream")

    def add(self, url: str, caption: str) -> None:
        self.pending.append((url, caption))
        self.count += 1
        if len(self.pending) == self.layout.per_page:
            self._flush_page()

    def _flush_page(self) -> None:
        lay = self.layout
        images = []
        content = [b"0 g"]
        for index, (url, caption) in enumerate(self.pending):
            rows = qr_matrix_rows(url)
            size = len(rows)
            number = self._new_object()
            self._stream(number, b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
                         b"/BitsPerComponent 1 /Interpolate false" % (size, size), _image_bits(rows))
            images.append(number)
            col, row = index % lay.columns, index // lay.columns
            # Label's bottom-left corner, in points from the page's bottom-left.
            x0 = (lay.left + col * lay.pitch_x) * MM
            y0 = (lay.page_h - lay.top - row * lay.pitch_y - lay.label_h) * MM
            code = lay.code_mm * MM
            text_band = lay.font_pt * 1.6
            gap = (lay.label_h * MM - code - text_band) / 2
            cx = x0 + (lay.label_w * MM - code) / 2
            cy = y0 + gap + text_band
            content.append(b"q %.3f 0 0 %.3f %.3f %.3f cm /Im%d Do Q" % (code, code, cx, cy, index))
            # Courier is monospaced (0.6 em a character), so the caption centres without font metrics.
            width = 0.6 * lay.font_pt * len(caption)
            tx = x0 + (lay.label_w * MM - width) / 2
            ty = y0 + gap + lay.font_pt * 0.45
            content.append(b"BT /F1 %.2f Tf %.3f %.3f Td %s Tj ET" % (lay.font_pt, tx, ty, _text(caption)))
        content_number = self._new_object()
        self._stream(content_number, b"", b"\n".join(content))
        xobjects = b" ".join(b"/Im%d %d 0 R" % (i, n) for i, n in enumerate(images))
        page = self._new_object()
        self._object(page, b"<</Type /Page /Parent %d 0 R /MediaBox [0 0 %.3f %.3f] /Resources <</Font <</F1 %d 0 R>> "
                     b"/XObject <<%s>> /ProcSet [/PDF /Text /ImageB]>> /Contents %d 0 R>>"
                     % (self.PAGES, lay.page_w * MM, lay.page_h * MM, self.FONT, xobjects, content_number))
        self.pages.append(page)
        self.pending = []

    def close(self) -> None:
        if self.pending or not self.pages:
            self._flush_page()
        self._object(self.FONT, b"<</Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding>>")
        kids = b" ".join(b"%d 0 R" % n for n in self.pages)
        self._object(self.PAGES, b"<</Type /Pages /Kids [%s] /Count %d>>" % (kids, len(self.pages)))
        self._object(self.CATALOG, b"<</Type /Catalog /Pages %d 0 R>>" % self.PAGES)
        info = self._new_object()
        self._object(info, b"<</Title %s /Producer (Aftersale)>>" % _text(self.title))
        xref = self.pos
        lines = [b"xref\n0 %d\n" % len(self.offsets), b"0000000000 65535 f \n"]
        lines.extend(b"%010d 00000 n \n" % offset for offset in self.offsets[1:])
        self._write(b"".join(lines))
        self._write(b"trailer\n<</Size %d /Root %d 0 R /Info %d 0 R>>\nstartxref\n%d\n%%%%EOF\n"
                    % (len(self.offsets), self.CATALOG, info, xref))


def write_label_sheet(out: BinaryIO, labels: Iterable[tuple[str, str]], layout: LabelLayout,
                      progress=None, title: str = "QR labels") -> int:
    """Write every label of `labels`; `progress(done)` is called after each page. Returns the label count."""
    writer = LabelSheetWriter(out, layout, title=title)
    for url, caption in labels:
        writer.add(url, caption)
        if progress is not None and writer.count % layout.per_page == 0:
            progress(writer.count)
    writer.close()
    return writer.count


def chunks(values: Iterator[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
