"""Reading a routine's window from the in-process Slack sandbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient

from assistant.routines.window import WindowReader
from assistant.slack.thread_reader import ThreadReader
from tests.e2e.harness import unique


def test_a_window_holds_peoples_messages_and_replies_with_names_but_not_the_bots_own(
    local_slack,
):
    slack = WebClient(token=local_slack.bot_token, base_url=local_slack.api_url)
    start = datetime.now(UTC) - timedelta(seconds=1)
    question = unique("is the queue backed up?")
    parent = local_slack.post(question, channel="C0RANDOM")
    local_slack.post("yes, since 08:50", channel="C0RANDOM", user="U0BOB", thread_ts=parent["ts"])
    slack.chat_postMessage(channel="C0RANDOM", text="*Recap* of #random: an earlier recap")
    end = datetime.now(UTC) + timedelta(seconds=1)

    window = WindowReader(slack, ThreadReader(slack)).read("C0RANDOM", start=start, end=end)

    said = [(m.author, m.message.text, m.in_thread) for m in window.messages]
    assert said[-2:] == [
        ("alice", question, False), ("bob", "yes, since 08:50", True)
    ]  # fmt: skip
    assert not any("earlier recap" in text for _, text, _ in said)
    assert window.messages[-2].permalink.endswith(
        f"/archives/C0RANDOM/p{parent['ts'].replace('.', '')}"
    )
