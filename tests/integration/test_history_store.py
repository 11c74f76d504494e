"""Thread history on the Firestore emulator: one read per turn, nothing lost, nothing doubled."""

from __future__ import annotations

import uuid

from assistant.conversation.history import HistoryStore
from tests.builders import stored_turn as turn


def thread_key() -> str:
    return f"T1:C1:{uuid.uuid4().hex}"


def newest(store: HistoryStore, key: str, count: int | None = None) -> list[str]:
    orders = []
    for item in store.newest_first(key, before="9"):
        orders.append(item.content)
        if count is not None and len(orders) == count:
            break
    return orders


def test_turns_come_back_newest_first_with_one_read(firestore_db):
    store, key = HistoryStore(firestore_db), thread_key()
    store.append(key, [turn(n) for n in range(6)], keep_tokens=10_000)

    assert newest(store, key) == [f"message {n}" for n in range(5, -1, -1)]
    assert store.reads == 1


def test_a_long_thread_keeps_a_bounded_window_and_pages_older_turns_only_on_demand(firestore_db):
    store, key = HistoryStore(firestore_db), thread_key()
    for start in range(0, 300, 100):
        store.append(key, [turn(n) for n in range(start, start + 100)], keep_tokens=1_000)

    reader = HistoryStore(firestore_db)
    assert newest(reader, key, count=10)[0] == "message 299"
    assert reader.reads == 1
    # A bigger budget than the window (say the model was switched) still reaches every turn.
    everything = newest(HistoryStore(firestore_db), key)
    assert len(everything) == 300
    assert everything[-1] == "message 0"


def test_writing_the_same_turn_twice_does_not_duplicate_it(firestore_db):
    store, key = HistoryStore(firestore_db), thread_key()
    store.append(key, [turn(1), turn(2)], keep_tokens=10_000)
    store.append(key, [turn(1), turn(2)], keep_tokens=10_000)  # a redelivery after a crash
    assert newest(store, key) == ["message 2", "message 1"]


def test_turns_at_or_after_the_current_message_are_not_history(firestore_db):
    store, key = HistoryStore(firestore_db), thread_key()
    store.append(key, [turn(1), turn(2), turn(3)], keep_tokens=10_000)
    assert [t.content for t in store.newest_first(key, before=turn(3).order)] == [
        "message 2",
        "message 1",
    ]


def test_clear_forgets_the_thread_and_nothing_else(firestore_db):
    store, key, other = HistoryStore(firestore_db), thread_key(), thread_key()
    store.append(key, [turn(n) for n in range(5)], keep_tokens=10_000)
    store.append(other, [turn(1)], keep_tokens=10_000)

    assert store.clear(key) == 5
    assert newest(store, key) == []
    assert newest(store, other) == ["message 1"]
