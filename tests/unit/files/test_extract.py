"""What the model can read of a file is decided by its bytes, and every refusal says why."""

from __future__ import annotations

import base64
import io
import json
import math
import zipfile

import pytest
from PIL import Image

from assistant.files.extract import MAX_DECODED_IMAGE_BYTES, MAX_IMAGE_SIDE, Extraction, extract
from tests.file_samples import (
    blank_png,
    image,
    pdf_with_text,
    png_pillow_cannot_parse,
    windows_executable,
    zip_archive,
)


@pytest.mark.parametrize(
    ("name", "mimetype", "data"),
    [
        ("sales.csv", "text/csv", b"region,q1,q2\nnorth,10,12\nsouth,8,9\n"),
        ("README.md", "text/markdown", b"# Title\n\n- one\n- two\n"),
        ("main.py", "text/x-python", b"def main():\n    return 42\n"),
        ("data.json", "application/json", b'{"a": [1, 2, {"b": null}]}'),
        ("server.log", "application/octet-stream", b"2024-01-01 INFO start\n\x1b[31mERR\x1b[0m\n"),
        ("notes", "", "Grüße aus Köln – naïve café\n".encode()),
        ("legacy.txt", "text/plain", "Grüße aus Köln\n".encode("cp1252")),
        ("wide.txt", "text/plain", "UTF-16 text, ü\n".encode("utf-16")),
        ("bom.csv", "text/csv", "\ufeffa,b\n1,2\n".encode()),
    ],
)
def test_text_like_files_are_read_as_text_whatever_their_name(name, mimetype, data):
    extraction = extract(data, name=name, mimetype=mimetype)
    assert extraction.kind == "text"
    assert not extraction.problem
    assert extraction.text.strip()
    assert "\ufeff" not in extraction.text


def test_the_type_comes_from_the_bytes_not_the_name():
    disguised = extract(windows_executable(), name="totally.csv", mimetype="text/csv")
    assert disguised.kind == ""
    assert "binary" in disguised.problem


@pytest.mark.parametrize(
    ("data", "mimetype"),
    [
        (zip_archive(), "application/zip"),
        (windows_executable(), "application/x-msdownload"),
        (bytes(range(256)) * 40, "application/octet-stream"),
    ],
)
def test_binary_files_are_refused_with_their_type_named(data, mimetype):
    extraction = extract(data, name="blob", mimetype=mimetype)
    assert extraction.kind == ""
    assert extraction.problem == (
        f"it is a binary file ({mimetype}), not text, a PDF, a workbook or an image"
    )


def test_an_empty_file_is_refused():
    assert extract(b"", name="empty.txt", mimetype="text/plain").problem == "it is empty"


def test_pdf_text_is_extracted_page_by_page():
    data = pdf_with_text("Revenue grew 12% in the north", "Costs fell in the south")
    extraction = extract(data, name="report.pdf", mimetype="application/pdf")
    assert extraction.kind == "text"
    assert "Revenue grew 12% in the north" in extraction.text
    assert extraction.text.index("[Page 1]") < extraction.text.index("[Page 2]")
    assert extraction.detail == "PDF, 2 pages"


def test_a_damaged_pdf_is_refused_not_raised():
    extraction = extract(b"%PDF-1.7\n garbage", name="bad.pdf", mimetype="application/pdf")
    assert extraction.kind == ""
    assert "PDF" in extraction.problem


def test_a_pdf_without_text_says_it_may_be_a_scan():
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    output = io.BytesIO()
    writer.write(output)
    extraction = extract(output.getvalue(), name="scan.pdf", mimetype="application/pdf")
    assert "without a text layer" in extraction.problem


def _decoded(extraction: Extraction) -> Image.Image:
    header, encoded = extraction.image_data_url.split(",", 1)
    assert header.startswith("data:image/") and header.endswith(";base64")
    return Image.open(io.BytesIO(base64.b64decode(encoded)))


@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "GIF", "WEBP"])
def test_images_become_data_urls_no_larger_than_1024_px(image_format):
    extraction = extract(image(3000, 1500, image_format), name="x", mimetype="")
    assert extraction.kind == "image"
    picture = _decoded(extraction)
    assert max(picture.size) == MAX_IMAGE_SIDE
    assert picture.size[0] == 2 * picture.size[1]  # aspect ratio kept


def test_small_images_keep_their_size_and_photos_stay_jpeg():
    extraction = extract(image(200, 100, "JPEG"), name="photo.jpg", mimetype="image/jpeg")
    assert extraction.image_data_url.startswith("data:image/jpeg;base64,")
    assert _decoded(extraction).size == (200, 100)


def test_a_damaged_image_is_refused():
    extraction = extract(b"\x89PNG\r\n\x1a\n not really", name="x.png", mimetype="image/png")
    assert extraction.kind == ""
    assert extraction.problem == "it is a damaged PNG image"


def test_long_text_is_cut_and_marked():
    extraction = extract(b"x" * 1000, name="big.txt", mimetype="text/plain", max_chars=100)
    assert len(extraction.text) == 100
    assert extraction.truncated


def test_an_extraction_survives_its_json_record():
    extraction = extract(b"a,b\n", name="t.csv", mimetype="text/csv")
    record = json.loads(json.dumps({"version": 1, "gcs_uri": "gs://b/x", **extraction.to_json()}))
    assert Extraction.from_json(record) == extraction


def test_a_png_pillow_raises_syntax_error_on_is_named_as_damaged():
    extraction = extract(png_pillow_cannot_parse(), name="x.png", mimetype="image/png")
    assert (extraction.kind, extraction.problem) == ("", "it is a damaged PNG image")


def test_a_small_file_that_would_decode_to_too_many_bytes_is_refused_before_decoding():
    data = blank_png(7700, 7700)  # 230 KB; 237 MB of pixels
    extraction = extract(data, name="blank.png", mimetype="image/png")
    assert extraction.kind == ""
    assert extraction.problem == (
        "the image is too large to read (7700×7700 px, 237 MB once decoded; "
        f"at most {MAX_DECODED_IMAGE_BYTES // 1_000_000} MB)"
    )


def test_the_decoding_budget_counts_bytes_not_pixels():
    # The same pixels fit as 8-bit grey (1 byte a pixel), not as RGBA (4).
    side = math.isqrt(MAX_DECODED_IMAGE_BYTES // 4) + 1
    grey = extract(blank_png(side, side, gray=True), name="grey.png", mimetype="")
    assert grey.kind == "image"
    rgba = extract(blank_png(side, side), name="rgba.png", mimetype="")
    assert rgba.problem.startswith("the image is too large to read")


@pytest.mark.parametrize(("width", "height"), [(4000, 3000), (20000, 400), (300, 9000)])
def test_large_photos_keep_their_aspect_ratio_at_1024_px(width, height):
    extraction = extract(image(width, height, "JPEG"), name="photo.jpg", mimetype="image/jpeg")
    picture = _decoded(extraction)
    assert max(picture.size) == MAX_IMAGE_SIDE
    assert abs(picture.size[0] / picture.size[1] - width / height) < 0.05 * width / height
    assert extraction.detail.startswith(f"JPEG, {width}×{height} px")


def test_an_excel_workbook_is_read_as_csv_per_sheet_whatever_its_name():
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "2007"
    for row in (["continent", "lifeExp"], ["Oceania", 80.719], ["Africa", None]):
        book.active.append(row)
    book.create_sheet("notes").append(["source", "gapminder"])
    buffer = io.BytesIO()
    book.save(buffer)

    extraction = extract(buffer.getvalue(), name="upload.bin", mimetype="application/zip")

    assert extraction.kind == "text" and extraction.detail == "Excel workbook"
    assert extraction.text == (
        "## Sheet: 2007\ncontinent,lifeExp\nOceania,80.719\nAfrica\n\n"
        "## Sheet: notes\nsource,gapminder\n\n"
    )
    cut = extract(buffer.getvalue(), name="u.xlsx", mimetype="", max_chars=20)
    assert cut.truncated and len(cut.text) == 20


def test_a_zip_that_is_not_a_workbook_and_a_damaged_workbook_are_refused_plainly():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("readme.txt", "hello")
    assert extract(archive.getvalue(), name="a.zip", mimetype="application/zip").problem.startswith(
        "it is a binary file"
    )
    damaged = io.BytesIO()
    with zipfile.ZipFile(damaged, "w") as z:
        z.writestr("xl/workbook.xml", "<not-a-workbook")
    assert extract(damaged.getvalue(), name="b.xlsx", mimetype="").problem == (
        "it is an Excel workbook that could not be read"
    )
