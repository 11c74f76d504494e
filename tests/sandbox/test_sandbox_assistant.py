"""Slack's AI-app methods in the sandbox (setStatus, setSuggestedPrompts) and opening the DM,
driven by the real slack_sdk WebClient as the responder drives them."""

from __future__ import annotations

import pytest
from sandbox_harness import SECRET, TOKEN
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier

PROMPTS = [
    {"title": "Summarise", "message": "Summarise this thread."},
    {"title": "Help", "message": "What can you do?"},
]


@pytest.fixture
def client(sandbox) -> WebClient:
    return WebClient(base_url=sandbox.api_url, token=TOKEN)


@pytest.fixture
def changes(sandbox) -> list[tuple[str, dict]]:
    seen: list[tuple[str, dict]] = []
    sandbox.state.workspace.subscribe(lambda kind, payload: seen.append((kind, payload)))
    return seen


def slack_error(call) -> dict:
    with pytest.raises(SlackApiError) as raised:
        call()
    return raised.value.response.data


def dm_message(sandbox) -> str:
    return sandbox.post("/_sandbox/messages", {"channel": "D0ALICE", "text": "hello"})["ts"]


def test_set_status_carries_the_loading_messages_to_the_page(sandbox, client, changes):
    ts = dm_message(sandbox)
    loading = [f"step {n}" for n in range(10)]
    client.assistant_threads_setStatus(
        channel_id="D0ALICE", thread_ts=ts, status="is thinking…", loading_messages=loading
    )
    status = [p for k, p in changes if k == "status_set"]
    assert status == [
        {
            "channel": "D0ALICE",
            "thread_ts": ts,
            "status": "is thinking…",
            "loading_messages": loading,
        }
    ]


def test_set_status_refuses_more_than_ten_loading_messages(sandbox, client, changes):
    ts = dm_message(sandbox)
    error = slack_error(
        lambda: client.assistant_threads_setStatus(
            channel_id="D0ALICE", thread_ts=ts, status="x", loading_messages=["m"] * 11
        )
    )
    assert error["error"] == "invalid_arguments"
    assert "/loading_messages" in error["response_metadata"]["messages"][0]
    assert not [k for k, _ in changes if k == "status_set"]


def test_set_status_refuses_an_unknown_thread_and_a_missing_status(sandbox, client):
    error = slack_error(
        lambda: client.assistant_threads_setStatus(
            channel_id="D0ALICE", thread_ts="1.000001", status="x"
        )
    )
    assert error["error"] == "message_not_found"
    ts = dm_message(sandbox)
    error = slack_error(
        lambda: client.api_call(
            "assistant.threads.setStatus", json={"channel_id": "D0ALICE", "thread_ts": ts}
        )
    )
    assert error["error"] == "invalid_arguments"
    assert error["response_metadata"]["messages"] == ["[ERROR] missing required field: status"]


def test_suggested_prompts_are_set_on_the_dm_and_listed(sandbox, client, changes):
    client.assistant_threads_setSuggestedPrompts(channel_id="D0ALICE", prompts=PROMPTS)
    expected = {"channel": "D0ALICE", "title": "", "prompts": PROMPTS}
    assert [p for k, p in changes if k == "suggested_prompts_set"] == [expected]
    assert sandbox.get("/_sandbox/suggested_prompts")["suggested_prompts"] == [expected]
    sandbox.post("/_sandbox/reset")
    assert sandbox.get("/_sandbox/suggested_prompts")["suggested_prompts"] == []


def test_suggested_prompts_with_thread_ts_succeed_silently_in_agent_view(sandbox, client, changes):
    ts = dm_message(sandbox)
    response = client.assistant_threads_setSuggestedPrompts(
        channel_id="D0ALICE", thread_ts=ts, prompts=PROMPTS
    )
    assert response["ok"]
    assert not [k for k, _ in changes if k == "suggested_prompts_set"]
    assert sandbox.get("/_sandbox/suggested_prompts")["suggested_prompts"] == []


@pytest.mark.parametrize(
    ("arguments", "error", "pointer"),
    [
        ({"channel_id": "D0ALICE", "prompts": PROMPTS * 3}, "invalid_arguments", "/prompts"),
        ({"channel_id": "D0ALICE", "prompts": [{"title": "t"}]}, "invalid_arguments", "/prompts/0"),
        ({"channel_id": "D0ALICE", "prompts": []}, "invalid_arguments", "/prompts"),
        ({"channel_id": "C0GENERAL", "prompts": PROMPTS}, "channel_not_found", None),
        ({"channel_id": "D0NOBODY", "prompts": PROMPTS}, "channel_not_found", None),
    ],
)
def test_suggested_prompts_refuse_what_slack_refuses(client, arguments, error, pointer):
    answer = slack_error(lambda: client.assistant_threads_setSuggestedPrompts(**arguments))
    assert answer["error"] == error
    if pointer:
        assert f"[json-pointer:{pointer}]" in answer["response_metadata"]["messages"][0]


def test_opening_the_dm_delivers_a_signed_app_home_opened(sandbox, receiver):
    opened = sandbox.post("/_sandbox/app_home_opened", {})
    assert (opened["ok"], opened["channel"], opened["delivered"]) == (True, "D0ALICE", True)
    [request] = receiver.wait_for(1)
    assert SignatureVerifier(SECRET).is_valid_request(request.body, request.headers)
    envelope = request.json
    assert envelope["type"] == "event_callback"
    assert envelope["event_id"] == opened["event_id"]
    event = envelope["event"]
    assert {k: event[k] for k in ("type", "user", "channel", "tab")} == {
        "type": "app_home_opened",
        "user": "U0ALICE",
        "channel": "D0ALICE",
        "tab": "messages",
    }


def test_opening_the_dm_of_someone_without_one_is_refused(sandbox, receiver):
    answer = sandbox.post("/_sandbox/app_home_opened", {"user": "U0BOB"})
    assert answer["http_status"] == 400
    assert receiver.received == []
