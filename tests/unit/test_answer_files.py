"""Which parts of an answer become files in the thread, and what they are called."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from assistant.config import Settings
from assistant.files.produced import LONG_BLOCK_CHARS, AnswerFiles, find_answer_files
from assistant.mention import Mention


def test_a_csv_block_becomes_answer_csv():
    [file] = find_answer_files("Here you go:\n\n```csv\nregion,growth\nnorth,12%\n```\n")
    assert (file.name, file.content, file.content_type) == (
        "answer.csv",
        "region,growth\nnorth,12%\n",
        "text/csv",
    )


def test_a_long_block_becomes_a_snippet_named_by_its_language():
    script = "print('hello')\n" * (LONG_BLOCK_CHARS // 10)
    files = find_answer_files(f"```python\n{script}```\n\n```bash\n{script}```\n~~~\n{script}~~~")
    assert [f.name for f in files] == ["snippet.py", "snippet.sh", "snippet.txt"]
    assert files[0].content == script


def test_short_code_blocks_stay_in_the_message_only():
    assert find_answer_files("```python\nprint(1)\n```\nand `inline`") == []


def test_several_files_of_one_kind_get_numbered_names():
    answer = "```csv\na\n```\ntext\n```CSV\nb\n```\n```csv\nc\n```"
    assert [f.name for f in find_answer_files(answer)] == [
        "answer.csv",
        "answer-2.csv",
        "answer-3.csv",
    ]


def test_an_unclosed_block_is_not_a_file():
    assert find_answer_files("```csv\na,b\n1,2\n") == []


class _Store:
    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, dict[str, str]]] = {}

    def metadata(self, name):
        return dict(self.objects[name][1]) if name in self.objects else None

    def put(self, name, data, *, content_type, metadata):
        self.objects[name] = (data, dict(metadata))

    def set_metadata(self, name, metadata):
        data, old = self.objects[name]
        self.objects[name] = (data, {**old, **metadata})


class _Slack:
    def __init__(self, fail: bool = False) -> None:
        self.uploads: list[dict] = []
        self.fail = fail

    def files_upload_v2(self, **kwargs):
        if self.fail:
            raise SlackApiError("upload failed", {"ok": False, "error": "internal_error"})
        self.uploads.append(kwargs)
        return {"ok": True, "file": {"id": f"F{len(self.uploads)}"}}


MENTION = Mention(
    event_id="Ev1", team_id="T1", channel="C1", user="U1", text="q", ts="1.5", thread_ts="1.0"
)
ANSWER = "Table:\n```csv\na,b\n1,2\n```"


def test_an_answer_file_is_uploaded_into_the_thread_and_mirrored_once():
    store, slack = _Store(), _Slack()
    files = AnswerFiles(Settings(files_bucket="b"), slack=slack, store=store)

    assert files.share(MENTION, ANSWER) == 1
    assert files.share(MENTION, ANSWER) == 0  # a redelivery of the same event

    [upload] = slack.uploads
    assert (upload["channel"], upload["thread_ts"], upload["filename"]) == (
        "C1",
        "1.0",
        "answer.csv",
    )
    data, metadata = store.objects["T1/C1/1.0/bot/Ev1/answer.csv"]
    assert data == b"a,b\n1,2\n"
    assert metadata["slack_file_id"] == "F1"


def test_a_failed_upload_does_not_fail_the_answer_and_a_redelivery_finishes_it():
    store = _Store()
    failing = AnswerFiles(Settings(files_bucket="b"), slack=_Slack(fail=True), store=store)
    assert failing.share(MENTION, ANSWER) == 0  # the answer itself is already in the thread
    assert store.objects["T1/C1/1.0/bot/Ev1/answer.csv"][1]["slack_file_id"] == "pending"

    working = AnswerFiles(Settings(files_bucket="b"), slack=_Slack(), store=store)
    assert working.share(MENTION, ANSWER) == 1
