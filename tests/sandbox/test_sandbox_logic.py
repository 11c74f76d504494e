"""The pure parts: retry decisions, signing, validation, cursors, workspace rules."""

from __future__ import annotations

import pytest
from slack_sdk.signature import SignatureVerifier

from devstack.slack_sandbox.api_error import ApiError
from devstack.slack_sandbox.envelope import rich_text_blocks
from devstack.slack_sandbox.faults import Fault, FaultBook
from devstack.slack_sandbox.read_methods import decode_cursor, encode_cursor
from devstack.slack_sandbox.retry_policy import judge, next_retry, retry_delay
from devstack.slack_sandbox.signing import sign
from devstack.slack_sandbox.validation import check_blocks, check_chunks, check_content
from devstack.slack_sandbox.wait_condition import WaitCondition
from devstack.slack_sandbox.workspace import Workspace, format_ts, parse_ts


class FixedClock:
    def __init__(self, now: float):
        self.now_value = now

    def now(self) -> float:
        return self.now_value


# -- retries ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("http_status", "timed_out", "status", "reason"),
    [
        (200, False, 200, None),
        (204, False, 204, None),
        (500, False, 500, "http_error"),
        (302, False, 302, "http_error"),
        (None, True, "timeout", "http_timeout"),
        (None, False, "connection_failed", "connection_failed"),
    ],
)
def test_judge_classifies_each_answer(http_status, timed_out, status, reason):
    outcome = judge(http_status=http_status, timed_out=timed_out, no_retry_header=False)
    assert (outcome.status, outcome.reason) == (status, reason)


def test_acknowledged_deliveries_are_not_retried():
    assert next_retry(judge(http_status=200, timed_out=False, no_retry_header=False), 0) is None


def test_failures_are_retried_until_the_third_retry():
    failed = judge(http_status=500, timed_out=False, no_retry_header=False)
    assert [next_retry(failed, attempt) for attempt in range(4)] == ["http_error"] * 3 + [None]


def test_no_retry_header_stops_http_errors_but_not_timeouts():
    refused = judge(http_status=503, timed_out=False, no_retry_header=True)
    late = judge(http_status=None, timed_out=True, no_retry_header=True)
    assert next_retry(refused, 0) is None
    assert next_retry(late, 0) == "http_timeout"


def test_storms_retry_acknowledged_deliveries_and_slow_ack_times_out_everything():
    acked = judge(http_status=200, timed_out=False, no_retry_header=False)
    assert next_retry(acked, 2, "retry_storm") == "http_timeout"
    assert next_retry(acked, 3, "retry_storm") is None
    assert judge(
        http_status=200, timed_out=False, no_retry_header=False, mode="slow_ack"
    ).status == ("timeout")


def test_short_delay_lists_repeat_their_last_value():
    assert [retry_delay((1.0, 2.0), n) for n in (1, 2, 3)] == [1.0, 2.0, 2.0]
    assert retry_delay((), 1) == 0.0


# -- signing ------------------------------------------------------------------


def test_signatures_verify_with_slack_sdk_at_the_signing_time():
    body = b'{"type":"event_callback"}'
    signature = sign("secret", 1732200000, body)
    clock = FixedClock(1732200000 + 60)
    verifier = SignatureVerifier("secret", clock=clock)
    assert verifier.is_valid(body, "1732200000", signature)
    clock.now_value += 600  # slack_sdk refuses requests older than 5 minutes
    assert not verifier.is_valid(body, "1732200000", signature)


# -- validation ---------------------------------------------------------------


def test_blocks_may_arrive_as_a_json_string():
    assert check_blocks('[{"type": "divider"}]') == [{"type": "divider"}]


@pytest.mark.parametrize(
    "blocks",
    [
        [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}],
        [{"type": "section"}],
        [{"type": "section", "fields": [{"type": "mrkdwn", "text": "x"}] * 11}],
        [{"type": "context", "elements": []}],
        ["divider"],
    ],
)
def test_malformed_blocks_are_invalid_blocks(blocks):
    with pytest.raises(ApiError) as raised:
        check_blocks(blocks)
    assert raised.value.error == "invalid_blocks"


def test_markdown_blocks_share_one_length_budget():
    blocks = [{"type": "markdown", "text": "x" * 6001}] * 2
    with pytest.raises(ApiError, match="msg_blocks_too_long"):
        check_blocks(blocks)


def test_attachments_alone_count_as_content():
    assert check_content({"attachments": '[{"text": "x"}]'}).attachments == [{"text": "x"}]


@pytest.mark.parametrize(
    "chunks", [[{"type": "mystery"}], [{"type": "task_update", "id": "1"}], "nope", [1]]
)
def test_unknown_or_incomplete_chunks_are_invalid(chunks):
    with pytest.raises(ApiError, match="invalid_chunks"):
        check_chunks(chunks)


# -- cursors and timestamps -----------------------------------------------------


def test_cursors_round_trip_and_look_like_slacks():
    cursor = encode_cursor("1732200000.000100")
    assert cursor == "bmV4dF90czoxNzMyMjAwMDAwMDAwMTAw"
    assert decode_cursor(cursor) == parse_ts("1732200000.000100")


def test_ts_strings_round_trip():
    assert format_ts(parse_ts("1732200000.000100")) == "1732200000.000100"


def test_ts_stays_increasing_when_the_clock_stands_still():
    workspace = Workspace(clock=lambda: 1732200000.0)
    assert [workspace.next_ts() for _ in range(3)] == [
        "1732200000.000000",
        "1732200000.000001",
        "1732200000.000002",
    ]


# -- workspace rules ------------------------------------------------------------


def test_a_reply_to_a_reply_joins_the_root_thread():
    workspace = Workspace(clock=lambda: 1732200000.0)
    root = workspace.post("C0GENERAL", {"user": "U0ALICE", "text": "root"})
    reply = workspace.post("C0GENERAL", {"user": "U0BOB", "text": "r"}, thread_ts=root["ts"])
    nested = workspace.post("C0GENERAL", {"user": "U0BOT", "text": "n"}, thread_ts=reply["ts"])
    assert nested["thread_ts"] == root["ts"]
    assert root["reply_count"] == 2
    assert root["reply_users"] == ["U0BOB", "U0BOT"]


def test_deleting_a_parent_with_replies_leaves_a_tombstone():
    workspace = Workspace()
    root = workspace.post("C0GENERAL", {"user": "U0BOT", "bot_id": "B0BOT", "text": "root"})
    workspace.post("C0GENERAL", {"user": "U0ALICE", "text": "r"}, thread_ts=root["ts"])
    workspace.delete("C0GENERAL", root["ts"])
    assert [m.get("subtype") for m in workspace.thread("C0GENERAL", root["ts"])] == [
        "tombstone",
        None,
    ]


def test_changes_are_reported_to_subscribers():
    workspace, seen = Workspace(), []
    workspace.subscribe(lambda kind, payload: seen.append(kind))
    message = workspace.post("C0RANDOM", {"user": "U0BOT", "text": "x"})
    workspace.update("C0RANDOM", message["ts"], {"text": "y"})
    assert seen == ["message_posted", "message_updated"]


# -- faults, events, waiting ------------------------------------------------------


def test_faults_are_used_up_in_order():
    book = FaultBook()
    book.add(Fault.parse({"method": "chat.update", "error": "ratelimited", "count": 2}))
    book.add(Fault.parse({"method": "chat.update", "status": 500}))
    answers = [book.take("chat.update").answer()[0] for _ in range(3)]
    assert answers == [429, 429, 500]
    assert book.take("chat.update") is None


def test_rich_text_blocks_turn_mentions_and_links_into_elements():
    [block] = rich_text_blocks("<@U0BOT> see <https://x.test|docs> in <#C0RANDOM>")
    elements = block["elements"][0]["elements"]
    assert [e["type"] for e in elements] == ["user", "text", "link", "text", "channel"]


def test_wait_conditions_count_replies_and_bot_text():
    condition = WaitCondition.parse(
        {"channel": "C0GENERAL", "thread_ts": "1.0", "min_replies": "1", "bot_text_contains": "ok"}
    )
    parent = {"ts": "1.0", "user": "U0ALICE"}
    assert not condition.holds([parent], [])
    assert condition.holds([parent, {"ts": "2.0", "bot_id": "B0BOT", "text": "ok!"}], [])
    with pytest.raises(ValueError):
        WaitCondition.parse({"min_replies": "1"})
