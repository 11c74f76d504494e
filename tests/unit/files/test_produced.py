"""Which parts of an answer become files in the thread, and what they are called."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from assistant.files.produced import LONG_BLOCK_CHARS, AnswerFiles, find_answer_files
from tests.builders import MemoryBucket, make_mention


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


class _Slack:
    def __init__(self, fail: bool = False) -> None:
        self.uploads: list[dict] = []
        self.fail = fail

    def files_upload_v2(self, **kwargs):
        if self.fail:
            raise SlackApiError("upload failed", {"ok": False, "error": "internal_error"})
        self.uploads.append(kwargs)
        return {"ok": True, "file": {"id": f"F{len(self.uploads)}"}}


MENTION = make_mention("q", ts="1.5", thread_ts="1.0")
ANSWER = "Table:\n```csv\na,b\n1,2\n```"


def test_an_answer_file_is_uploaded_into_the_thread_and_mirrored_once():
    store, slack = MemoryBucket(), _Slack()
    files = AnswerFiles(slack=slack, bucket="b", store=lambda: store)

    assert files.share(MENTION, ANSWER) == 1
    assert files.share(MENTION, ANSWER) == 0  # a redelivery of the same event

    [upload] = slack.uploads
    assert (upload["channel"], upload["thread_ts"], upload["filename"]) == (
        "C1",
        "1.0",
        "answer.csv",
    )
    data, _, metadata = store.objects["T1/C1/1.0/bot/Ev1/answer.csv"]
    assert data == b"a,b\n1,2\n"
    assert metadata["slack_file_id"] == "F1"


def test_a_failed_upload_does_not_fail_the_answer_and_a_redelivery_finishes_it():
    store = MemoryBucket()
    failing = AnswerFiles(slack=_Slack(fail=True), bucket="b", store=lambda: store)
    assert failing.share(MENTION, ANSWER) == 0  # the answer itself is already in the thread
    assert store.objects["T1/C1/1.0/bot/Ev1/answer.csv"][2]["slack_file_id"] == "pending"

    working = AnswerFiles(slack=_Slack(), bucket="b", store=lambda: store)
    assert working.share(MENTION, ANSWER) == 1
