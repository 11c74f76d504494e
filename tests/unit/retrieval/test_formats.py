"""What is read of each format, the title and link a citation shows, and what is skipped."""

from __future__ import annotations

import pytest

from assistant.retrieval.formats import read_document, resolve_source
from tests.file_samples import pdf_with_text, windows_executable, zip_archive


def test_markdown_front_matter_gives_title_and_link_and_leaves_the_text():
    doc = read_document(
        b"---\ntitle: Leave policy\nurl: https://intranet.example/leave\n---\n# Leave\n\n25 days.",
        name="knowledge/handbook/leave.md",
    )
    assert (doc.format, doc.title, doc.url) == (
        "markdown",
        "Leave policy",
        "https://intranet.example/leave",
    )
    assert doc.text == "# Leave\n\n25 days."


def test_html_keeps_headings_paragraphs_and_lists_and_drops_scripts():
    page = (
        b"<html><head><title>Expenses</title><script>steal()</script></head><body>"
        b"<h1>Expense policy</h1><p>Keep receipts &amp; invoices.</p>"
        b"<h2>Travel</h2><ul><li>Trains</li><li>Flights</li></ul><style>p{}</style></body></html>"
    )
    doc = read_document(page, name="knowledge/expenses.html")
    assert doc.title == "Expenses"
    assert doc.text == (
        "# Expense policy\n\nKeep receipts & invoices.\n\n## Travel\n\n- Trains\n- Flights"
    )


def test_a_pdf_becomes_one_section_per_page():
    doc = read_document(pdf_with_text("Intro page", "Backups run nightly"), name="ops.pdf")
    assert doc.format == "pdf"
    assert "# Page 2\nBackups run nightly" in doc.text


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (zip_archive(), "knowledge/plan.docx", "unsupported type (.docx)"),
        (b"\x89PNG\r\n\x1a\n...", "knowledge/diagram.png", "unsupported type (.png)"),
        (windows_executable(), "knowledge/notes.txt", "binary file"),
        (b"%PDF-1.4 garbage", "knowledge/broken.pdf", "damaged or unsupported PDF"),
        (b"", "knowledge/empty.md", "empty"),
    ],
)
def test_what_cannot_be_indexed_says_why(data, name, reason):
    doc = read_document(data, name=name)
    assert doc.format == "" and reason in doc.problem


def test_the_title_comes_from_metadata_then_the_document_then_its_heading_then_its_name():
    doc = read_document(b"---\ntitle: From front matter\n---\n# Heading", name="a.md")
    bare = read_document(b"# Only a heading\n\ntext", name="b.md")
    plain = read_document(b"no heading at all", name="c.txt")
    custom = {"title": "From metadata", "source_url": "https://wiki.example/a"}
    assert resolve_source(metadata=custom, document=doc, name="a.md") == (
        "From metadata",
        "https://wiki.example/a",
    )
    assert resolve_source(metadata={}, document=doc, name="a.md")[0] == "From front matter"
    assert resolve_source(metadata={}, document=bare, name="b.md")[0] == "Only a heading"
    assert resolve_source(metadata={}, document=plain, name="ops/c.txt") == ("c.txt", "")


def test_a_link_that_is_not_http_is_never_offered():
    doc = read_document(b"---\nurl: javascript:alert(1)\n---\ntext", name="a.md")
    assert resolve_source(metadata={}, document=doc, name="a.md")[1] == ""


@pytest.mark.timeout(5)
def test_a_pathological_first_heading_is_read_in_linear_time():
    # `^#{1,6}[ \t]+(.+?)[ \t#]*$` searched over this took minutes (quadratic in the run).
    doc = read_document(("# a" + " " * 200_000 + "b\n\ntext").encode(), name="x.md")
    assert doc.first_heading.startswith("a") and doc.first_heading.endswith("b")
