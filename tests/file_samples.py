"""Real files for tests, made on the spot: a PDF with a text layer, images, binaries, and the
poison attachments of issue 10 (a PDF that takes 40 s of CPU to read, a PNG Pillow raises on, a
small PNG that decodes to a quarter of a gigabyte)."""

from __future__ import annotations

import io
import zipfile

# The poison attachments live with the stack, so the soak can send them too.
from devstack.poison_files import blank_png, pdf_document, png_pillow_cannot_parse, slow_pdf


def pdf_with_text(*pages: str) -> bytes:
    """A valid PDF whose pages show `pages` in Helvetica (text extractable by any reader)."""
    objects: list[bytes] = []
    page_ids = [4 + 2 * n for n in range(len(pages))]
    kids = " ".join(f"{pid} 0 R" for pid in page_ids)
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for page_id, text in zip(page_ids, pages, strict=True):
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        stream = f"BT /F1 12 Tf 72 720 Td ({escaped}) Tj ET".encode()
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {page_id + 1} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    return pdf_document(objects)


def image(width: int, height: int, image_format: str = "PNG") -> bytes:
    from PIL import Image

    mode = "RGB" if image_format == "JPEG" else "RGBA"
    picture = Image.new(mode, (width, height), (30, 120, 200))
    output = io.BytesIO()
    picture.save(output, format=image_format)
    return output.getvalue()


def zip_archive() -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("inside.txt", "hello " * 200)
    return output.getvalue()


def windows_executable() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256)) * 8


__all__ = [
    "blank_png",
    "image",
    "pdf_with_text",
    "png_pillow_cannot_parse",
    "slow_pdf",
    "windows_executable",
    "zip_archive",
]
