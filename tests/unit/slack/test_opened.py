"""The DM-opened events ingress passes on, and the prompts the responder sets for them."""

from __future__ import annotations

import json

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from assistant.config import DEFAULT_SUGGESTED_PROMPTS
from assistant.slack.events import FixedClock, SignatureVerifier, decide
from assistant.slack.opened import DmOpened, dm_opened_from
from assistant.slack.suggestions import SuggestedPrompts, prompts_from

NOW = 1_732_200_000


def envelope(event: dict) -> dict:
    return {
        "type": "event_callback",
        "event_id": "Ev0OPENED1",
        "team_id": "T0SANDBOX",
        "event": event,
    }


APP_HOME = {"type": "app_home_opened", "user": "U0ALICE", "channel": "D0ALICE", "tab": "messages"}
THREAD_STARTED = {
    "type": "assistant_thread_started",
    "assistant_thread": {
        "user_id": "U0ALICE",
        "channel_id": "D0ALICE",
        "thread_ts": "1732200000.000100",
        "context": {"channel_id": "C0GENERAL", "team_id": "T0SANDBOX"},
    },
}


def test_agent_view_opening_names_the_dm_and_no_thread() -> None:
    opened = dm_opened_from(envelope(APP_HOME))
    assert opened == DmOpened(
        event_id="Ev0OPENED1", team_id="T0SANDBOX", channel="D0ALICE", user="U0ALICE"
    )
    assert DmOpened.from_json(opened.to_json()) == opened


def test_a_legacy_assistant_thread_names_its_thread() -> None:
    opened = dm_opened_from(envelope(THREAD_STARTED))
    assert (opened.channel, opened.user, opened.thread_ts) == (
        "D0ALICE",
        "U0ALICE",
        "1732200000.000100",
    )


@pytest.mark.parametrize(
    "event",
    [
        {**APP_HOME, "tab": "home"},
        {"type": "app_mention", "user": "U0ALICE"},
        {"type": "app_context_changed"},
    ],
)
def test_other_events_and_the_home_tab_are_not_openings(event: dict) -> None:
    assert dm_opened_from(envelope(event)) is None


@pytest.mark.parametrize(
    "event",
    [
        {**APP_HOME, "channel": "D1/../C2"},
        {key: value for key, value in APP_HOME.items() if key != "user"},
        {"type": "assistant_thread_started", "assistant_thread": "x"},
        {"type": "assistant_thread_started", "assistant_thread": {"channel_id": "D1"}},
    ],
)
def test_malformed_openings_are_refused(event: dict) -> None:
    with pytest.raises((KeyError, TypeError, ValueError)):
        dm_opened_from(envelope(event))


def test_ingress_decides_to_pass_an_opening_on_and_refuses_a_malformed_one() -> None:
    verifier = SignatureVerifier("secret", clock=FixedClock(NOW))

    def decision(event: dict):
        body = json.dumps(envelope(event)).encode()
        signature = verifier.generate_signature(timestamp=str(NOW), body=body)
        headers = {"X-Slack-Request-Timestamp": str(NOW), "X-Slack-Signature": signature}
        return decide(body=body, headers=headers, verifier=verifier, received_at=NOW)

    accepted = decision(APP_HOME)
    assert (accepted.status, accepted.mention, accepted.opened.channel) == (200, None, "D0ALICE")
    refused = decision({**APP_HOME, "user": 7})
    assert (refused.status, refused.opened) == (400, None)
    home = decision({**APP_HOME, "tab": "home"})
    assert (home.status, home.opened, home.mention) == (200, None, None)


def test_prompts_are_title_and_message_at_most_four() -> None:
    assert prompts_from(["A => do a", "  ", "B", "C=>c", "D => d", "E => e"]) == [
        {"title": "A", "message": "do a"},
        {"title": "B", "message": "B"},
        {"title": "C", "message": "c"},
        {"title": "D", "message": "d"},
    ]
    assert len(prompts_from(DEFAULT_SUGGESTED_PROMPTS)) == 4


class FakeSlack:
    def __init__(self, error: str | None = None) -> None:
        self.calls: list[dict] = []
        self.error = error

    def assistant_threads_setSuggestedPrompts(self, **arguments):
        self.calls.append(arguments)
        if self.error:
            data = {"ok": False, "error": self.error}
            response = SlackResponse(
                client=None,
                http_verb="POST",
                api_url="",
                req_args={},
                data=data,
                headers={},
                status_code=200,
            )
            raise SlackApiError("refused", response)
        return {"ok": True}


def test_agent_view_prompts_are_set_without_thread_ts_legacy_ones_with_it() -> None:
    slack = FakeSlack()
    prompts = SuggestedPrompts(slack, ["A => do a"])  # type: ignore[arg-type]
    assert prompts.offer(dm_opened_from(envelope(APP_HOME)))
    assert prompts.offer(dm_opened_from(envelope(THREAD_STARTED)))
    assert slack.calls == [
        {"channel_id": "D0ALICE", "prompts": [{"title": "A", "message": "do a"}]},
        {
            "channel_id": "D0ALICE",
            "thread_ts": "1732200000.000100",
            "prompts": [{"title": "A", "message": "do a"}],
        },
    ]


def test_refused_or_no_prompts_are_reported_not_raised() -> None:
    opened = dm_opened_from(envelope(APP_HOME))
    assert not SuggestedPrompts(FakeSlack("channel_not_found"), ["A"]).offer(opened)  # type: ignore[arg-type]
    empty = FakeSlack()
    assert not SuggestedPrompts(empty, []).offer(opened)  # type: ignore[arg-type]
    assert empty.calls == []
