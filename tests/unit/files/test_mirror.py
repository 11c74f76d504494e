"""Mirroring is idempotent, bounded, and turns every failure into a reason or a retry."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.config import Settings
from assistant.files.download import Downloaded, TransientDownloadError
from assistant.files.extract import Extraction
from assistant.files.isolation import ExtractionLimits, IsolatedExtractor
from assistant.files.mirror import FileMirror
from assistant.mention import Mention, SlackFile
from tests.builders import MemoryBucket, make_mention
from tests.file_samples import png_pillow_cannot_parse, slow_pdf

SETTINGS = Settings(files_bucket="bucket", max_files_per_message=2, slack_bot_token="xoxb-t")


class Fetcher:
    def __init__(self, result: Downloaded | Exception) -> None:
        self.result = result
        self.calls: list[str] = []

    def __call__(self, url: str, **kwargs: Any) -> Downloaded:
        self.calls.append(url)
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


def mention(*files: SlackFile) -> Mention:
    return make_mention("<@U0BOT> which grew?", ts="1.2", thread_ts="1.0", files=files)


CSV = SlackFile(id="F1", name="../sales.csv", mimetype="text/csv", url_private_download="u1")


def test_a_file_is_stored_with_metadata_and_its_extraction_next_to_it():
    store, fetch = MemoryBucket(), Fetcher(Downloaded(data=b"a,b\n1,2\n", content_type="text/csv"))
    [ref] = FileMirror(SETTINGS, store=store, fetch=fetch).mirror(mention(CSV))

    assert ref.gcs_uri == "gs://bucket/T1/C1/1.0/F1/sales.csv"
    assert ref.extraction_uri == "gs://bucket/T1/C1/1.0/F1/.extraction.json"
    assert (ref.kind, ref.problem, ref.name) == ("text", "", "../sales.csv")
    data, content_type, metadata = store.objects["T1/C1/1.0/F1/sales.csv"]
    assert (data, content_type) == (b"a,b\n1,2\n", "text/csv")
    assert metadata == {
        "slack_file_id": "F1",
        "slack_user": "U1",
        "slack_event_id": "Ev1",
        "slack_team": "T1",
        "slack_channel": "C1",
        "slack_thread_ts": "1.0",
        "original_name": "../sales.csv",
    }
    record = store.get_json("T1/C1/1.0/F1/.extraction.json")
    assert record["text"] == "a,b\n1,2\n" and record["gcs_uri"] == ref.gcs_uri


def test_mirroring_again_downloads_and_writes_nothing():
    store, fetch = MemoryBucket(), Fetcher(Downloaded(data=b"a,b\n", content_type="text/csv"))
    mirror = FileMirror(SETTINGS, store=store, fetch=fetch)
    first = mirror.mirror(mention(CSV))
    snapshot = dict(store.objects)
    again = mirror.mirror(mention(CSV))
    assert again == first
    assert store.objects == snapshot
    assert fetch.calls == ["u1"]


def test_files_beyond_the_limit_are_named_not_fetched():
    files = [SlackFile(id=f"F{n}", name=f"{n}.txt", url_private_download=f"u{n}") for n in range(3)]
    fetch = Fetcher(Downloaded(data=b"hi", content_type="text/plain"))
    refs = FileMirror(SETTINGS, store=MemoryBucket(), fetch=fetch).mirror(mention(*files))
    assert [r.problem for r in refs] == ["", "", "only the first 2 files of a message are read"]
    assert fetch.calls == ["u0", "u1"]


def test_a_download_problem_is_recorded_without_storing_bytes():
    store = MemoryBucket()
    fetch = Fetcher(Downloaded(problem="it is larger than 20 MB"))
    [ref] = FileMirror(SETTINGS, store=store, fetch=fetch).mirror(mention(CSV))
    assert (ref.kind, ref.problem, ref.gcs_uri) == ("", "it is larger than 20 MB", "")
    assert list(store.objects) == ["T1/C1/1.0/F1/.extraction.json"]


def test_a_transient_failure_raises_so_pubsub_retries():
    fetch = Fetcher(TransientDownloadError("HTTP 503"))
    with pytest.raises(TransientDownloadError):
        FileMirror(SETTINGS, store=MemoryBucket(), fetch=fetch).mirror(mention(CSV))


def test_on_the_last_attempt_a_transient_failure_becomes_a_reason():
    store, fetch = MemoryBucket(), Fetcher(TransientDownloadError("HTTP 503"))
    [ref] = FileMirror(SETTINGS, store=store, fetch=fetch).mirror(mention(CSV), last_attempt=True)
    assert ref.problem == "I could not fetch it from Slack, even after several tries"
    assert store.objects == {}  # a later event may still succeed


def test_a_file_named_only_by_id_is_completed_with_files_info():
    bare = SlackFile(id="F7", name="q3.csv")
    known = SlackFile(id="F7", name="q3.csv", mimetype="text/csv", url_private_download="u7")
    fetch = Fetcher(Downloaded(data=b"a,b\n", content_type="text/csv"))
    mirror = FileMirror(SETTINGS, store=MemoryBucket(), fetch=fetch, lookup={"F7": known}.get)
    [ref] = mirror.mirror(mention(bare))
    assert fetch.calls == ["u7"]
    assert (ref.kind, ref.mimetype) == ("text", "text/csv")


def test_a_file_slack_no_longer_knows_is_named_as_unavailable():
    fetch = Fetcher(Downloaded(data=b"never"))
    mirror = FileMirror(SETTINGS, store=MemoryBucket(), fetch=fetch, lookup=lambda _id: None)
    [ref] = mirror.mirror(mention(SlackFile(id="F8", name="gone.csv")))
    assert ref.problem == "I have no access to it, or it was deleted"
    assert fetch.calls == []


class Reader:
    """An extractor that counts its calls and can fail the way a dying instance does."""

    def __init__(self, failure: BaseException | None = None) -> None:
        self.failure = failure
        self.calls: list[str] = []

    def __call__(self, data: bytes, *, name: str, mimetype: str, max_chars: int) -> Extraction:
        self.calls.append(name)
        if self.failure is not None:
            raise self.failure
        return Extraction(kind="text", text=data.decode())


class InstanceKilled(BaseException):
    """Stands for the process dying mid-read (out of memory, timeout): nothing runs after."""


def test_a_file_is_marked_before_it_is_read_so_a_redelivery_never_reads_it_again():
    store, fetch = MemoryBucket(), Fetcher(Downloaded(data=b"a,b\n", content_type="text/csv"))
    with pytest.raises(InstanceKilled):
        FileMirror(SETTINGS, store=store, fetch=fetch, extract=Reader(InstanceKilled())).mirror(
            mention(CSV)
        )

    again = Reader()
    [ref] = FileMirror(SETTINGS, store=store, fetch=fetch, extract=again).mirror(mention(CSV))
    assert again.calls == []
    assert ref.kind == ""
    assert ref.problem == (
        "an earlier attempt to read it did not finish, so I did not try again "
        "(it may be damaged, or unusually complex)"
    )
    assert ref.extraction_uri == "gs://bucket/T1/C1/1.0/F1/.extraction.json"


def test_a_file_read_to_the_end_replaces_its_marker():
    store, fetch = MemoryBucket(), Fetcher(Downloaded(data=b"a,b\n", content_type="text/csv"))
    reader = Reader()
    [ref] = FileMirror(SETTINGS, store=store, fetch=fetch, extract=reader).mirror(mention(CSV))
    record = store.get_json("T1/C1/1.0/F1/.extraction.json")
    assert (ref.kind, record["kind"], record["text"]) == ("text", "text", "a,b\n")
    assert "state" not in record
    assert reader.calls == ["../sales.csv"]


def test_a_poison_file_becomes_its_reason_and_the_rest_is_read():
    store = MemoryBucket()
    files = [
        SlackFile(id="F1", name="slow.pdf", mimetype="application/pdf", url_private_download="u1"),
        SlackFile(id="F2", name="x.png", mimetype="image/png", url_private_download="u2"),
        CSV_2,
    ]
    samples = {"u1": slow_pdf(), "u2": png_pillow_cannot_parse(), "u3": b"a,b\n1,2\n"}

    def fetch(url: str, **kwargs: Any) -> Downloaded:
        return Downloaded(data=samples[url])

    reader = IsolatedExtractor(ExtractionLimits(cpu_seconds=1, wall_seconds=60))
    try:
        mirror = FileMirror(
            Settings(files_bucket="bucket"), store=store, fetch=fetch, extract=reader
        )
        refs = mirror.mirror(mention(*files))
    finally:
        reader.close()
    assert [(r.name, r.kind, r.problem) for r in refs] == [
        (
            "slow.pdf",
            "",
            "reading it took more than 1 s, so I stopped (it may be damaged, or unusually complex)",
        ),
        ("x.png", "", "it is a damaged PNG image"),
        ("data.csv", "text", ""),
    ]


CSV_2 = SlackFile(id="F3", name="data.csv", mimetype="text/csv", url_private_download="u3")


def test_on_the_last_attempt_an_unexpected_failure_becomes_a_reason():
    store, fetch = MemoryBucket(), Fetcher(Downloaded(data=b"a,b\n", content_type="text/csv"))
    broken = Reader(RuntimeError("a bug"))
    with pytest.raises(RuntimeError):
        FileMirror(SETTINGS, store=MemoryBucket(), fetch=fetch, extract=broken).mirror(mention(CSV))
    [ref] = FileMirror(SETTINGS, store=store, fetch=fetch, extract=broken).mirror(
        mention(CSV), last_attempt=True
    )
    assert ref.problem == "an error on my side stopped me from reading it"
