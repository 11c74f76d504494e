"""Slack's AI-app affordances in the bot's DM, through the real push path.

A DM is answered under a loading status (assistant.threads.setStatus with the configured
rotating messages) instead of a "Thinking…" message; a refused setStatus falls back to that
message; opening the DM (app_home_opened, Messages tab) goes ingress -> assistant-events ->
responder, which sets the suggested prompts on the DM without a thread_ts (agent_view).
"""

from __future__ import annotations

import time

from assistant.config import DEFAULT_LOADING_MESSAGES, DEFAULT_SUGGESTED_PROMPTS
from assistant.slack.reply import PROGRESS_TEXT
from assistant.slack.status import STATUS_TEXT
from assistant.slack.suggestions import prompts_from
from tests.e2e.harness import eventually, message_text, unique

DM = "D0ALICE"


def posts_in(sandbox, thread_ts: str) -> list[dict]:
    return [
        call["args"]
        for call in sandbox.calls("chat.postMessage")
        if call["args"].get("thread_ts") == thread_ts
    ]


def statuses_in(sandbox, thread_ts: str) -> list[dict]:
    return [
        call
        for call in sandbox.calls("assistant.threads.setStatus")
        if call["args"].get("thread_ts") == thread_ts
    ]


def test_a_dm_shows_the_loading_status_then_the_answer_and_no_thinking_message(sandbox, claims):
    question = unique("what is a push subscription?")
    posted = sandbox.post(f"[[slow:0.2]] {question}", channel=DM)
    claims.wait_final(posted["event_id"])

    [status] = statuses_in(sandbox, posted["ts"])
    assert status["ok"]
    assert status["args"]["channel_id"] == DM
    assert status["args"]["status"] == STATUS_TEXT
    assert status["args"]["loading_messages"] == list(DEFAULT_LOADING_MESSAGES)
    [reply] = sandbox.bot_replies(posted["ts"], channel=DM)
    assert message_text(reply) == f"Answer to: {question}"
    assert all(p.get("markdown_text") != PROGRESS_TEXT for p in posts_in(sandbox, posted["ts"]))
    # The status was set before the answer's stream began: no message until the answer.
    first_post = min(
        c["at"]
        for method in ("chat.postMessage", "chat.startStream")
        for c in sandbox.calls(method)
        if c["args"].get("thread_ts") == posted["ts"]
    )
    assert status["at"] < first_post


def test_a_channel_thread_has_the_loading_status_too(sandbox, claims):
    question = unique("status in a channel")
    posted = sandbox.mention(f"[[slow:0.2]] {question}")  # in C0GENERAL
    claims.wait_final(posted["event_id"])

    [status] = statuses_in(sandbox, posted["ts"])
    assert status["ok"] and status["args"]["channel_id"] == "C0GENERAL"
    assert all(p.get("markdown_text") != PROGRESS_TEXT for p in posts_in(sandbox, posted["ts"]))
    [reply] = sandbox.bot_replies(posted["ts"])
    assert message_text(reply) == f"Answer to: {question}"


def test_a_refused_status_falls_back_to_the_progress_message(sandbox, claims):
    sandbox.inject_fault(
        method="assistant.threads.setStatus", error="method_not_supported_for_channel_type"
    )
    try:
        question = unique("status refused")
        posted = sandbox.post(question, channel=DM)
        claims.wait_final(posted["event_id"])
    finally:
        sandbox.clear_faults()

    [status] = statuses_in(sandbox, posted["ts"])
    assert status["error"] == "method_not_supported_for_channel_type"
    posts = posts_in(sandbox, posted["ts"])
    assert posts[0]["markdown_text"] == PROGRESS_TEXT
    [reply] = sandbox.bot_replies(posted["ts"], channel=DM)
    assert message_text(reply) == f"Answer to: {question}"  # the progress message, edited


def test_opening_the_dm_sets_the_suggested_prompts_on_the_dm(sandbox):
    since = time.time()
    opened = sandbox.http.post(
        f"{sandbox.base_url}/_sandbox/app_home_opened", json={}, timeout=10
    ).json()
    assert opened["ok"] and opened["delivered"]

    def set_since():
        calls = sandbox.calls("assistant.threads.setSuggestedPrompts")
        return [c for c in calls if c["at"] >= since and c["ok"]]

    [call] = eventually(set_since)
    assert call["args"] == {"channel_id": DM, "prompts": prompts_from(DEFAULT_SUGGESTED_PROMPTS)}
    shown = sandbox.http.get(f"{sandbox.base_url}/_sandbox/suggested_prompts", timeout=10).json()
    assert {"channel": DM, "title": "", "prompts": call["args"]["prompts"]} in shown[
        "suggested_prompts"
    ]
    [delivery] = eventually(lambda: sandbox.deliveries(opened["event_id"]))
    assert delivery["status"] == 200
