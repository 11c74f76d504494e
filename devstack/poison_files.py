"""Poison attachments, made on the spot, for the tests and the soak: a 7 KB PDF that takes
about 40 s of CPU to read, a 101-byte PNG that Pillow raises on, and a small PNG that decodes
to a quarter of a gigabyte (issue 10's findings)."""

from __future__ import annotations

import functools
import struct
import zlib

__all__ = ["blank_png", "pdf_document", "png_pillow_cannot_parse", "slow_pdf"]


def slow_pdf(pages: int = 10, operators: int = 170_000) -> bytes:
    """About 7 KB: `pages` pages sharing one Flate-compressed content stream of `operators`
    matrix operators and one empty text operator, so pypdf parses all of them again for every
    page (about 4 s of CPU a page; 39 s for the 10 pages, measured) and finds no text."""
    content = b"1 0 0 1 0 0 cm\n" * operators + b"BT () Tj ET\n"
    stream = zlib.compress(content, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % (4 + n) for n in range(pages)), pages),
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
        b" /Resources << /ProcSet [/PDF] >> /Contents 3 0 R >>"
    )
    objects += [page] * pages
    return pdf_document(objects)


def pdf_document(objects: list[bytes]) -> bytes:
    """A PDF file of these numbered objects (object 1 is the catalog), with its xref table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data)
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def _png(width: int, height: int, idat: bytes, *, color_type: int = 6, extra: bytes = b"") -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", idat)
        + extra
        + _png_chunk(b"IEND", b"")
    )


def png_pillow_cannot_parse() -> bytes:
    """101 bytes: a valid 1×1 RGBA PNG followed by a zTXt chunk naming compression method 1
    (only 0 exists). Pillow reads that chunk after the pixels and raises `SyntaxError`."""
    pixels = zlib.compress(b"\x00" + b"\x00" * 4)
    ztxt = _png_chunk(b"zTXt", b"Comment-bad-writer\x00\x01x")
    return _png(1, 1, pixels, extra=ztxt)


@functools.cache
def blank_png(width: int, height: int, *, gray: bool = False) -> bytes:
    """An all-zero RGBA (or 8-bit grey) PNG, compressed row by row so making it never holds
    the pixels: the 7,700 px RGBA square is 230 KB on disk and 237 MB once decoded."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + (1 if gray else 4) * width)  # the filter byte, then the pixels
    parts = [compressor.compress(row) for _ in range(height)]
    parts.append(compressor.flush())
    return _png(width, height, b"".join(parts), color_type=0 if gray else 6)
