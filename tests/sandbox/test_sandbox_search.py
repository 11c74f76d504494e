"""The local Slack's reach for Slack-aware answers: assistant.search.context as the person whose
action token it is (Slack's request and response shapes and errors), action tokens on people's
message events, and permalinks that open the page on their thread."""

from __future__ import annotations

import http.client
import urllib.parse

import pytest
from sandbox_harness import TOKEN
from slack_sdk import WebClient
from test_sandbox_web_api import human, slack_error


@pytest.fixture
def client(sandbox) -> WebClient:
    return WebClient(base_url=sandbox.api_url, token=TOKEN)


def search(client: WebClient, query: str, *, user="U0ALICE", **args) -> list[dict]:
    params = {"query": query, "action_token": f"1.{user}.sandbox", **args}
    response = client.api_call("assistant.search.context", params=params)
    return response["results"]["messages"]


def test_search_returns_what_the_searcher_may_see_among_the_types_asked_for(sandbox, client):
    human(sandbox, "kestrel in public", channel="C0RANDOM")
    human(sandbox, "kestrel in private", channel="C0PRIVATE")
    human(sandbox, "kestrel in secret", channel="C0SECRET", user="U0BOB")

    public = search(client, "kestrel")
    everything = search(client, "kestrel", channel_types="public_channel,private_channel,mpim,im")
    bob = search(client, "kestrel", user="U0BOB", channel_types="public_channel,private_channel")

    assert [m["content"] for m in public] == ["kestrel in public"]
    assert {m["content"] for m in everything} == {"kestrel in public", "kestrel in private"}
    assert {m["content"] for m in bob} == {"kestrel in public", "kestrel in private",
                                           "kestrel in secret"}  # fmt: skip
    [hit] = public
    assert set(hit) >= {"author_name", "author_user_id", "team_id", "channel_id", "channel_name",
                        "message_ts", "content", "is_author_bot", "permalink"}  # fmt: skip
    assert hit["author_name"] == "Alice Example" and hit["channel_name"] == "random"
    assert hit["permalink"].endswith(f"/archives/C0RANDOM/p{hit['message_ts'].replace('.', '')}")


def test_search_errors_are_slacks(client):
    no_token = client.api_call
    assert slack_error(lambda: search(client, "x", user="U0NOBODY"))["error"] == (
        "invalid_action_token"
    )
    missing = slack_error(
        lambda: no_token("assistant.search.context", params={"action_token": "1.U0ALICE.sandbox"})
    )
    assert missing["error"] == "invalid_arguments"
    assert slack_error(lambda: search(client, "x", channel_types="everything"))["error"] == (
        "invalid_arguments"
    )


def test_a_persons_message_event_carries_an_action_token(sandbox, receiver):
    human(sandbox, "<@U0BOT> hello there")

    received = receiver.wait_for(2)  # app_mention and message.channels
    tokens = {r.json["event"]["action_token"] for r in received}
    assert len(tokens) == 1 and tokens.pop().endswith(".U0ALICE.sandbox")


def test_a_permalink_opens_the_page_on_its_thread(sandbox):
    parsed = urllib.parse.urlsplit(sandbox.url)

    def location(path: str) -> tuple[int, str]:
        connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.getheader("Location") or ""

    assert location("/archives/C0RANDOM/p1712345678000200") == (302, "/#C0RANDOM/1712345678.000200")
    assert location(
        "/archives/C0RANDOM/p1712345678000300?thread_ts=1712345678.000200&cid=C0RANDOM"
    ) == (302, "/#C0RANDOM/1712345678.000200")
    assert location("/archives/C0NOPE/p1712345678000200")[0] == 404
