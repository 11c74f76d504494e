"""Reading in a child process: a poison file costs at most its limits and becomes a reason;
memory stays near the decoded size of what is read. Real files, a real worker process."""

from __future__ import annotations

import os
import signal

import pytest

from assistant.files.extract import MAX_DECODED_IMAGE_BYTES
from assistant.files.isolation import ExtractionLimits, IsolatedExtractor, problem_for
from tests.file_samples import blank_png, image, png_pillow_cannot_parse, slow_pdf

MB = 1_000_000
LIMITS = ExtractionLimits(cpu_seconds=10)  # far above what the real files here need


@pytest.fixture(scope="module")
def reader():
    extractor = IsolatedExtractor(LIMITS)
    yield extractor
    extractor.close()


def read(reader, data, name="file", mimetype=""):
    return reader.read(data, name=name, mimetype=mimetype, max_chars=10_000)


def test_a_file_is_read_in_another_process(reader):
    reading = read(reader, b"region,q1\nnorth,10\n", "sales.csv", "text/csv")
    assert reading.extraction.kind == "text"
    assert reading.extraction.text == "region,q1\nnorth,10\n"
    assert reading.failure == ""
    assert reading.peak_rss_bytes > 0


def test_a_pdf_that_takes_40_s_of_cpu_is_stopped_at_the_cpu_limit():
    # A generous wall clock, so the CPU limit is what stops it even on a busy machine.
    reader = IsolatedExtractor(ExtractionLimits(cpu_seconds=1, wall_seconds=60))
    try:
        reading = read(reader, slow_pdf(), "slow.pdf", "application/pdf")
    finally:
        reader.close()
    assert reading.failure == "cpu"
    assert reading.extraction.problem == (
        "reading it took more than 1 s, so I stopped (it may be damaged, or unusually complex)"
    )
    assert 0.5 <= reading.cpu_seconds < 3.0  # the kernel accounts CPU time in ticks, coarsely


def test_the_wall_clock_limit_holds_when_the_cpu_limit_is_far():
    patient = IsolatedExtractor(ExtractionLimits(cpu_seconds=60, wall_seconds=1.0))
    try:
        reading = patient.read(slow_pdf(), name="slow.pdf", mimetype="application/pdf")
    finally:
        patient.close()
    assert reading.failure == "wall"
    assert reading.wall_seconds < 3.0
    assert reading.extraction.problem.startswith("reading it took more than 1 s, so I stopped")


def test_a_png_pillow_raises_on_is_named_as_damaged(reader):
    reading = read(reader, png_pillow_cannot_parse(), "x.png", "image/png")
    assert reading.extraction.problem == "it is a damaged PNG image"


def test_a_file_that_needs_more_memory_than_allowed_is_named_so():
    tight = IsolatedExtractor(ExtractionLimits(cpu_seconds=5, memory_bytes=30_000_000))
    try:
        reading = tight.read(blank_png(7680, 4320), name="8k.png", mimetype="image/png")
    finally:
        tight.close()
    assert reading.failure == "memory"
    assert reading.extraction.problem == "reading it needed more than 30 MB of memory"


def baseline_rss(reader) -> int:
    return read(reader, b"x\n", "x.txt", "text/plain").peak_rss_bytes


def test_a_small_png_that_decodes_huge_is_refused_without_decoding(reader):
    base = baseline_rss(reader)
    reading = read(reader, blank_png(7700, 7700), "blank.png", "image/png")  # 230 KB -> 237 MB
    assert reading.extraction.problem.startswith("the image is too large to read (7700×7700 px")
    assert reading.peak_rss_bytes - base < 10 * MB  # before the budget: 736 MB at the peak


def test_an_image_within_the_budget_is_read_without_a_second_full_size_copy(reader):
    base = baseline_rss(reader)
    width, height = 7680, 4320  # an 8K screenshot with alpha: 133 MB once decoded
    decoded = width * height * 4
    assert decoded <= MAX_DECODED_IMAGE_BYTES
    reading = read(reader, blank_png(width, height), "8k.png", "image/png")
    assert reading.extraction.kind == "image"
    assert reading.peak_rss_bytes - base < 1.5 * decoded  # it was 3.0 times: 438 MB - 36 MB


def test_a_jpeg_is_decoded_already_reduced(reader):
    base = baseline_rss(reader)
    reading = read(reader, image(4000, 3000, "JPEG"), "photo.jpg", "image/jpeg")  # 48 MB full
    assert reading.extraction.kind == "image"
    assert reading.peak_rss_bytes - base < 25 * MB


def test_a_dead_worker_is_replaced_before_the_next_file(reader):
    read(reader, b"a\n", "a.txt", "text/plain")
    os.kill(reader._worker.process.pid, signal.SIGKILL)
    reader._worker.process.wait()
    assert read(reader, b"b\n", "b.txt", "text/plain").extraction.text == "b\n"


def test_the_worker_does_not_inherit_the_secrets(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-secret")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    fresh = IsolatedExtractor(LIMITS)
    try:
        read(fresh, b"a\n", "a.txt", "text/plain")
        with open(f"/proc/{fresh._worker.process.pid}/environ", "rb") as environ:
            variables = environ.read()
    finally:
        fresh.close()
    assert b"xoxb-secret" not in variables and b"sk-secret" not in variables
    assert b"PYTHONPATH=" in variables


@pytest.mark.parametrize(
    ("failure", "problem"),
    [
        ("crash", "the reader failed on it (it may be damaged)"),
        ("error", "the reader failed on it (it may be damaged)"),
        ("unavailable", "an error on my side stopped me from reading it"),
    ],
)
def test_every_other_failure_has_a_reason(failure, problem):
    assert problem_for(failure, LIMITS) == problem
