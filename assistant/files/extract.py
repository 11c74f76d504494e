"""What the model can read of a file: pure, bytes + name + mimetype in, an `Extraction` out.

The type is decided by the bytes, not by the name or Slack's mimetype alone: a `.log` with a
made-up type is text if it decodes as text, and a `.csv` full of NUL bytes is not.

    >>> extract(b"region,growth\\nnorth,4%\\n", name="sales.csv", mimetype="text/csv").kind
    'text'
    >>> extract(b"MZ\\x90\\x00\\x03", name="setup.exe", mimetype="application/x-msdownload").problem
    'it is a binary file (application/x-msdownload), not text, a PDF, a workbook or an image'
"""

from __future__ import annotations

import base64
import dataclasses
import io
import logging
from typing import Any

from assistant.files.spreadsheet import is_workbook, workbook_text

__all__ = ["MAX_DECODED_IMAGE_BYTES", "MAX_IMAGE_SIDE", "Extraction", "extract"]

logger = logging.getLogger(__name__)

MAX_IMAGE_SIDE = 1024  # token_count.IMAGE_TOKENS assumes images no larger than this
# The most memory one image may take once decoded, checked from its header before decoding
# (a 230 KB PNG can be 237 MB of pixels). Bytes, not pixels: Pillow keeps 1 byte a pixel for
# palette and grey images, 4 for RGB(A). An 8K screenshot with alpha (7680×4320) just fits.
MAX_DECODED_IMAGE_BYTES = 128 * 2**20
_REDUCING_GAP = 2  # reduce by a whole factor to at most twice the target, then resample
_SNIFF_BYTES = 8192
_IMAGE_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "png",
    b"\xff\xd8\xff": "jpeg",
    b"GIF87a": "gif",
    b"GIF89a": "gif",
}


@dataclasses.dataclass(frozen=True, kw_only=True)
class Extraction:
    kind: str  # "text", "image", or "" when the model cannot read the file
    text: str = ""
    image_data_url: str = ""
    problem: str = ""  # for the user: "I could not read `x`: <problem>."
    detail: str = ""  # what was read, e.g. "PDF, 3 pages"
    truncated: bool = False  # text was cut to `max_chars` before storing

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Extraction:
        known = {field.name for field in dataclasses.fields(cls)}
        return cls(**{key: item for key, item in value.items() if key in known})

    @classmethod
    def unreadable(cls, problem: str) -> Extraction:
        return cls(kind="", problem=problem)


def extract(data: bytes, *, name: str, mimetype: str, max_chars: int = 400_000) -> Extraction:
    """Text, PDF text, or a downscaled image; otherwise the reason it cannot be read."""
    if not data:
        return Extraction.unreadable("it is empty")
    if data.startswith(b"%PDF-"):
        return _pdf(data, max_chars)
    image_format = _image_format(data)
    if image_format:
        return _image(data, image_format)
    if is_workbook(data):
        return _workbook(data, max_chars)
    text = _decode_text(data)
    if text is not None:
        return _text(text, max_chars, detail=mimetype or "text")
    return Extraction.unreadable(
        f"it is a binary file ({mimetype or 'unknown type'}), "
        "not text, a PDF, a workbook or an image"
    )


def _workbook(data: bytes, max_chars: int) -> Extraction:
    try:
        text, cut = workbook_text(data, max_chars=max_chars)
    except Exception as error:  # openpyxl raises many kinds on a damaged workbook
        logger.info("unreadable workbook", extra={"error": repr(error)[:200]})
        return Extraction.unreadable("it is an Excel workbook that could not be read")
    return Extraction(kind="text", text=text, detail="Excel workbook", truncated=cut)


def _text(text: str, max_chars: int, *, detail: str) -> Extraction:
    cut = len(text) > max_chars
    return Extraction(kind="text", text=text[:max_chars], detail=detail, truncated=cut)


def _decode_text(data: bytes) -> str | None:
    """The text of `data` if it is text in a common encoding, else None."""
    for bom, encoding in ((b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return None
    head = data[:_SNIFF_BYTES]
    if b"\x00" in head:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        # A multi-byte character cut by a limit still counts as UTF-8.
        if error.start < len(data) - 3:
            text = data.decode("cp1252", errors="replace")
        else:
            text = data[: error.start].decode("utf-8-sig")
    return text if _looks_like_text(text[:_SNIFF_BYTES]) else None


def _looks_like_text(sample: str) -> bool:
    if not sample:
        return True
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f\v\x1b")
    replaced = sample.count("\ufffd")
    return (control + replaced) / len(sample) < 0.05


def _pdf(data: bytes, max_chars: int) -> Extraction:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError  # imported here: only PDFs pay for pypdf

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            return Extraction.unreadable("it is a password-protected PDF")
        pages: list[str] = []
        size, has_text = 0, False
        for number, page in enumerate(reader.pages, start=1):
            text = (page.extract_text() or "").strip()
            has_text = has_text or bool(text)
            pages.append(f"[Page {number}]\n{text}")
            size += len(pages[-1])
            if size > max_chars:
                break
        page_count = len(reader.pages)
    except MemoryError:
        raise  # not the file's fault: the caller's memory limit says what happened
    except PdfReadError as error:
        logger.info("unreadable PDF", extra={"error": str(error)})
        return Extraction.unreadable("it is a damaged or unsupported PDF")
    except Exception as error:
        # Untrusted bytes: pypdf raises many kinds of errors on malformed files, and one bad
        # file must become a note to the user, not a message that fails until dead-lettered.
        logger.warning("PDF parser failed", extra={"error": repr(error)})
        return Extraction.unreadable("it is a damaged or unsupported PDF")
    if not has_text:
        return Extraction.unreadable("it is a PDF without a text layer (a scan?)")
    return _text("\n\n".join(pages), max_chars, detail=f"PDF, {page_count} pages")


def _image_format(data: bytes) -> str:
    for magic, image_format in _IMAGE_MAGIC.items():
        if data.startswith(magic):
            return image_format
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return ""


def _image(data: bytes, image_format: str) -> Extraction:
    from PIL import Image  # imported here: only images pay for Pillow

    label = image_format.upper()
    try:
        with Image.open(io.BytesIO(data)) as image:  # reads the header only
            width, height = image.size
            target = _fit(image.size, MAX_IMAGE_SIDE)
            image.draft(None, target)  # JPEG: decode at 1/2, 1/4 or 1/8 scale; others: no-op
            decoded = image.width * image.height * _bytes_per_pixel(image.mode)
            if decoded > MAX_DECODED_IMAGE_BYTES:
                return Extraction.unreadable(
                    f"the image is too large to read ({width}×{height} px, "
                    f"{decoded / 1_000_000:.0f} MB once decoded; "
                    f"at most {MAX_DECODED_IMAGE_BYTES // 1_000_000} MB)"
                )
            small = _shrink(image, target)  # an animation is read as its first frame
            media, encoded = _encode(small, jpeg=image_format == "jpeg")
    except MemoryError:
        raise  # not the file's fault: the caller's memory limit says what happened
    except Image.DecompressionBombError:
        return Extraction.unreadable(f"the image is too large to read ({label})")
    except Exception as error:
        # Untrusted bytes: Pillow raises SyntaxError, struct.error, OSError, ValueError... on
        # malformed files, and one bad file must become a note, not a failing message.
        logger.info("unreadable image", extra={"error": repr(error)})
        return Extraction.unreadable(f"it is a damaged {label} image")
    return Extraction(
        kind="image",
        image_data_url=f"data:{media};base64,{encoded}",
        detail=f"{label}, {width}×{height} px (sent at {small.width} px wide)",
    )


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    """`size` scaled to fit a `side` square, aspect ratio kept, never enlarged."""
    width, height = size
    scale = min(1.0, side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _bytes_per_pixel(mode: str) -> int:
    """What Pillow allocates per pixel (RGB is stored in 4 bytes, like RGBA)."""
    if mode in ("1", "L", "P"):
        return 1
    return 2 if mode.startswith("I;16") else 4


def _shrink(image: Any, target: tuple[int, int]) -> Any:
    """`image` at `target` size without ever holding a second full-size copy: a whole-factor
    box reduction to at most twice the target, then a Lanczos resample of what is left.

    Pillow premultiplies the alpha of LA and RGBA images in a full-size copy before either
    step, so those are shrunk one band at a time (a quarter of the image at a most, and
    without premultiplying: edges next to transparent pixels may darken slightly)."""
    from PIL import Image

    image.load()
    if image.size == target:
        return image
    factor = min(
        image.width // (target[0] * _REDUCING_GAP), image.height // (target[1] * _REDUCING_GAP)
    )
    if image.mode in ("LA", "RGBA"):
        bands = [_shrink_band(image.getchannel(band), factor, target) for band in image.getbands()]
        return Image.merge(image.mode, bands)
    return _shrink_band(image, factor, target)


def _shrink_band(image: Any, factor: int, target: tuple[int, int]) -> Any:
    from PIL import Image

    if factor >= 2 and image.mode not in ("1", "P"):  # palette indices cannot be averaged
        image = image.reduce(factor)
    return image.resize(target, Image.Resampling.LANCZOS)  # "1" and "P" get nearest


def _encode(image: Any, *, jpeg: bool) -> tuple[str, str]:
    """A photo stays JPEG; everything else becomes PNG, which every vision model accepts."""
    output = io.BytesIO()
    if jpeg and image.mode in ("RGB", "L", "CMYK"):
        image.convert("RGB").save(output, format="JPEG", quality=85)
        media = "image/jpeg"
    else:
        if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
            image = image.convert("RGBA")
        image.save(output, format="PNG", optimize=True)
        media = "image/png"
    return media, base64.b64encode(output.getvalue()).decode()
