"""The DM's loading status: set instead of a progress message, and the fallback when refused."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from assistant.config import DEFAULT_LOADING_MESSAGES, Settings
from assistant.slack.reply import PROGRESS_TEXT, ThreadReply
from assistant.slack.status import STATUS_TEXT, AssistantStatus, loading_messages_for


class FakeSlack:
    """Records calls; setStatus fails with `status_error` when set."""

    def __init__(self, status_error: str | None = None) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.status_error = status_error

    def assistant_threads_setStatus(self, **arguments):
        self.calls.append(("setStatus", arguments))
        if self.status_error:
            response = SlackResponse(
                client=None,
                http_verb="POST",
                api_url="",
                req_args={},
                data={"ok": False, "error": self.status_error},
                headers={},
                status_code=200,
            )
            raise SlackApiError("refused", response)
        return {"ok": True}

    def chat_postMessage(self, **arguments):
        self.calls.append(("postMessage", arguments))
        return {"ts": f"1.{len(self.calls):06d}"}

    def chat_update(self, **arguments):
        self.calls.append(("update", arguments))
        return {"ok": True}


def reply_with_status(slack: FakeSlack, recorded: list) -> ThreadReply:
    reply = ThreadReply(
        slack,  # type: ignore[arg-type]
        channel="D0ALICE",
        thread_ts="1.000001",
        message_ts=[],
        on_new_message=recorded.append,
    )
    reply.use_status(
        AssistantStatus(
            slack,  # type: ignore[arg-type]
            channel="D0ALICE",
            thread_ts="1.000001",
            loading_messages=["Reading…", "Thinking…"],
        )
    )
    return reply


def test_progress_in_the_dm_is_a_loading_status_not_a_message() -> None:
    slack, recorded = FakeSlack(), []
    reply = reply_with_status(slack, recorded)
    reply.show_progress()
    assert slack.calls == [
        (
            "setStatus",
            {
                "channel_id": "D0ALICE",
                "thread_ts": "1.000001",
                "status": STATUS_TEXT,
                "loading_messages": ["Reading…", "Thinking…"],
            },
        )
    ]
    assert recorded == []  # no message yet: nothing for the claim to record
    reply.show_status("Running Python…")  # a tool: its status line, still no message
    assert slack.calls[-1] == (
        "setStatus",
        {"channel_id": "D0ALICE", "thread_ts": "1.000001", "status": "Running Python…"},
    )
    reply.finish("The answer.")
    assert [name for name, _ in slack.calls] == ["setStatus", "setStatus", "postMessage"]
    assert len(recorded) == 1


def test_a_refused_status_falls_back_to_the_progress_message_and_stays_off() -> None:
    slack, recorded = FakeSlack(status_error="method_not_supported_for_channel_type"), []
    reply = reply_with_status(slack, recorded)
    reply.show_progress()
    assert [name for name, _ in slack.calls] == ["setStatus", "postMessage"]
    assert slack.calls[1][1]["markdown_text"] == PROGRESS_TEXT
    reply.show_status("Running Python…")  # the message exists: it shows the status line
    assert [name for name, _ in slack.calls] == ["setStatus", "postMessage", "update"]


def test_a_redelivery_with_messages_already_posted_sets_no_status() -> None:
    slack = FakeSlack()
    reply = ThreadReply(
        slack,  # type: ignore[arg-type]
        channel="D0ALICE",
        thread_ts="1.000001",
        message_ts=["1.000002"],
        on_new_message=lambda ts: None,
    )
    reply.use_status(
        AssistantStatus(slack, channel="D0ALICE", thread_ts="1.000001", loading_messages=[])  # type: ignore[arg-type]
    )
    reply.show_progress()
    assert slack.calls == []


def test_the_guard_is_checked_before_the_status_is_set() -> None:
    def lost() -> None:
        raise RuntimeError("lease lost")

    slack = FakeSlack()
    status = AssistantStatus(
        slack,  # type: ignore[arg-type]
        channel="D0ALICE",
        thread_ts="1.000001",
        loading_messages=[],
        guard=lost,
    )
    with pytest.raises(RuntimeError):
        status.loading()
    assert slack.calls == []


def test_loading_messages_are_trimmed_to_slacks_ten() -> None:
    assert loading_messages_for([" a ", "", *[str(n) for n in range(12)]]) == [
        "a",
        *[str(n) for n in range(9)],
    ]


def test_loading_messages_and_prompts_come_from_the_environment_separated_by_bars() -> None:
    settings = Settings.from_env(
        {"LOADING_MESSAGES": "One, two | Three…|", "SUGGESTED_PROMPTS": "A"}
    )
    assert settings.loading_messages == ("One, two", "Three…")
    assert settings.suggested_prompts == ("A",)
    assert Settings.from_env({}).loading_messages == DEFAULT_LOADING_MESSAGES
