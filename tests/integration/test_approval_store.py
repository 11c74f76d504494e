"""The pending calls' store, in memory and on the Firestore emulator, held to one contract:
a call is proposed once, and of any number of clicks, instances and sweeps racing to move it
on, exactly one does."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from assistant.approvals.pending import PendingCall, State
from assistant.approvals.store import FirestorePendingCalls
from tests.memory_approvals import MemoryPendingCalls

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


@pytest.fixture(params=["memory", "firestore"])
def calls(request):
    if request.param == "memory":
        return MemoryPendingCalls()
    return FirestorePendingCalls(request.getfixturevalue("firestore_db"))


def proposal(expires_in: timedelta = timedelta(minutes=15)) -> PendingCall:
    return PendingCall(id=uuid.uuid4().hex, team="T1", channel="C1", thread_ts="1.000001",
                       asker="U1", tool="notes__create_note", server="notes",
                       server_tool="create_note", arguments={"text": "x"}, mention={"a": 1},
                       created_at=NOW, expires_at=NOW + expires_in)  # fmt: skip


def test_a_call_is_proposed_once(calls):
    call = proposal()
    assert calls.propose(call) is call
    again = calls.propose(PendingCall(**{**call.__dict__, "arguments": {"text": "changed"}}))
    assert again.arguments == {"text": "x"}  # the stored one stands
    assert calls.get(call.id) == call
    assert calls.get(uuid.uuid4().hex) is None


def test_of_racing_transitions_exactly_one_wins(calls):
    call = proposal()
    calls.propose(call)
    running = PendingCall(**{**call.__dict__, "state": State.RUNNING, "decided_by": "U1",
                             "decided_at": NOW})  # fmt: skip
    won: list[bool] = []
    threads = [
        threading.Thread(target=lambda: won.append(calls.transition(running,
                                                                    from_state=State.PENDING)))
        for _ in range(6)
    ]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won) == [False] * 5 + [True]
    assert calls.get(call.id).state is State.RUNNING
    assert not calls.transition(running, from_state=State.PENDING)


def test_the_sweep_finds_pending_calls_past_their_time_only(calls):
    due, later = proposal(expires_in=-timedelta(minutes=1)), proposal()
    decided = proposal(expires_in=-timedelta(minutes=2))
    for call in (due, later, decided):
        calls.propose(call)
    calls.transition(PendingCall(**{**decided.__dict__, "state": State.DENIED}),
                     from_state=State.PENDING)  # fmt: skip
    found = [call.id for call in calls.expired(NOW, limit=100)]
    assert due.id in found and later.id not in found and decided.id not in found
