"""The responder loads a file only from its own bucket and its own thread's folder."""

from __future__ import annotations

from assistant.config import Settings
from assistant.conversation.history import StoredTurn
from assistant.files.extract import Extraction
from assistant.files.loader import ThreadFiles
from assistant.llm.models import input_budget, model_spec
from assistant.mention import FileRef, Mention

SPEC = model_spec("gpt-4o")
OWN = "T1/C1/1.0/F1/.extraction.json"
OTHER = "T1/C1/2.0/F2/.extraction.json"


class Store:
    def __init__(self, records):
        self.records = records
        self.reads: list[str] = []

    def get_json(self, name):
        self.reads.append(name)
        return self.records.get(name)


def files(store) -> ThreadFiles:
    return ThreadFiles(
        Settings(files_bucket="bucket"),
        spec=SPEC,
        budget=input_budget(SPEC, reserved_output=4096),
        store=store,
    )


def mention(*refs: FileRef) -> Mention:
    return Mention(
        event_id="Ev1",
        team_id="T1",
        channel="C1",
        user="U1",
        text="<@U0BOT> compare",
        ts="1.5",
        thread_ts="1.0",
        file_refs=refs,
    )


def ref(uri: str, name: str) -> FileRef:
    return FileRef(file_id="F", name=name, mimetype="text/plain", extraction_uri=uri, kind="text")


RECORDS = {
    OWN: Extraction(kind="text", text="own secret").to_json(),
    OTHER: Extraction(kind="text", text="other thread secret").to_json(),
}


def test_files_of_another_thread_or_bucket_are_never_loaded():
    store = Store(RECORDS)
    turn = files(store).user_turn(
        mention(
            ref(f"gs://bucket/{OWN}", "mine.txt"),
            ref(f"gs://bucket/{OTHER}", "theirs.txt"),
            ref(f"gs://elsewhere/{OWN}", "copy.txt"),
        )
    )
    text = " ".join(part["text"] for part in turn.content)
    assert "own secret" in text
    assert "other thread secret" not in text
    assert store.reads == [OWN]
    assert "I could not read `theirs.txt`: it is no longer stored." in turn.notes


def test_earlier_turns_are_rebuilt_from_a_cache_after_the_first_read():
    store = Store(RECORDS)
    thread = files(store)
    current = mention(ref(f"gs://bucket/{OWN}", "mine.txt"))
    planned = thread.user_turn(current)
    stored = StoredTurn(
        order="1.5:0",
        role="user",
        content="compare",
        tokens=planned.tokens,
        encoding=SPEC.count_key,
        file_refs=planned.refs,
    )
    expand = thread.expander(current)
    assert expand(stored) == planned.content
    assert expand(stored) == planned.content
    assert store.reads == [OWN]


def test_a_mention_without_files_needs_no_storage():
    assert files(Store({})).user_turn(mention()) is None
