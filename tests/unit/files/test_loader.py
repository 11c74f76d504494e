"""The responder loads a file only from its own bucket and its own thread's folder."""

from __future__ import annotations

from assistant.conversation.turns import StoredTurn
from assistant.files.extract import Extraction
from assistant.files.loader import ThreadFiles
from assistant.llm.models import input_budget, model_spec
from assistant.mention import FileRef, Mention
from tests.builders import MemoryBucket, file_ref, make_mention

SPEC = model_spec("gpt-4o")
OWN = "T1/C1/1.0/F1/.extraction.json"
OTHER = "T1/C1/2.0/F2/.extraction.json"


ROOM = input_budget(SPEC, reserved_output=4096) // 2


def files(store) -> ThreadFiles:
    return ThreadFiles(bucket="bucket", store=lambda: store)


def user_turn(thread: ThreadFiles, current):
    return thread.user_turn(current, spec=SPEC, room=ROOM, max_file_tokens=20_000)


def mention(*refs: FileRef) -> Mention:
    return make_mention("<@U0BOT> compare", ts="1.5", thread_ts="1.0", file_refs=refs)


def ref(uri: str, name: str) -> FileRef:
    return file_ref("F", name, mimetype="text/plain", extraction_uri=uri, kind="text")


def bucket() -> MemoryBucket:
    store = MemoryBucket()
    for name, text in ((OWN, "own secret"), (OTHER, "other thread secret")):
        store.put_json(name, Extraction(kind="text", text=text).to_json(), metadata={})
    return store


def test_files_of_another_thread_or_bucket_are_never_loaded():
    store = bucket()
    turn = user_turn(
        files(store),
        mention(
            ref(f"gs://bucket/{OWN}", "mine.txt"),
            ref(f"gs://bucket/{OTHER}", "theirs.txt"),
            ref(f"gs://elsewhere/{OWN}", "copy.txt"),
        ),
    )
    text = " ".join(part.text for part in turn.content)
    assert "own secret" in text
    assert "other thread secret" not in text
    assert store.reads == [OWN]
    assert "I could not read `theirs.txt`: it is no longer stored." in turn.notes


def test_earlier_turns_are_rebuilt_from_a_cache_after_the_first_read():
    store = bucket()
    thread = files(store)
    current = mention(ref(f"gs://bucket/{OWN}", "mine.txt"))
    planned = user_turn(thread, current)
    stored = StoredTurn(
        order="1.5:0",
        role="user",
        content="compare",
        tokens=planned.tokens,
        encoding=SPEC.count_key,
        file_refs=planned.refs,
    )
    assert thread.expand(stored, current, spec=SPEC) == planned.content
    assert thread.expand(stored, current, spec=SPEC) == planned.content
    assert store.reads == [OWN]


def test_a_mention_without_files_needs_no_storage():
    store = MemoryBucket()
    assert user_turn(files(store), mention()) is None
    assert store.reads == []
