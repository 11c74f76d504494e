"""Ids and timestamps that name data: Slack's real formats pass, anything else is refused at
ingress and again wherever a mention is read from a topic (any publisher may be wrong)."""

from __future__ import annotations

import base64
import json
import logging

import pytest

from assistant.mention import Mention
from assistant.pubsub.endpoint import push_endpoint
from assistant.slack_ids import InvalidId, is_event_id, is_slack_id, is_ts
from tests.builders import make_mention

# Real values from Slack's documentation and the local sandbox.
REAL_IDS = ["T024BE7LD", "E0KH0GVL4", "C012AB3CD", "G024BE91L", "D024BE91L", "U061F7AUR"]
REAL_IDS += ["W012A3CDE", "F0S43P1CZ", "B01", "C0GENERAL", "U0ALICE"]


@pytest.mark.parametrize("value", REAL_IDS)
def test_slacks_own_ids_are_accepted(value):
    assert is_slack_id(value)


@pytest.mark.parametrize(
    "value",
    ["", "C", "C1/2", "C1_2", "C1.2", "..", "c012ab3cd", "C012AB3CD\n", "C" * 33, "Ｃ１", "C²", 7],
)
def test_anything_else_is_not_an_id(value):
    assert not is_slack_id(value)


def test_event_ids_and_timestamps_have_their_own_formats():
    assert is_event_id("Ev08MFMKH6J5") and is_event_id("Ev0a1b2c3d4e")
    bad_events = ["", "Ev", "ev1", "Ev1/2", "Ev1\n", "__Ev1__", "Ev" + "1" * 41]
    assert not any(map(is_event_id, bad_events))
    assert is_ts("1355517523.000005") and is_ts("1.0")
    bad = ["", "1355517523", ".5", "1.", "1.2.3", "1/2", "².1", "1.٣", "1" * 13 + ".1", "1.0\n"]
    assert not any(map(is_ts, bad))


@pytest.mark.parametrize(
    "field, value",
    [
        ("channel", "C1/2"),
        ("channel", "C1_2"),
        ("team_id", "T1/C2"),
        ("user", "../U1"),
        ("ts", "1.5/x"),
        ("thread_ts", "1.0/../../2.0"),
        ("event_id", "Ev1/x"),
        ("bot_user_id", "U0BOT/"),
    ],
)
def test_a_mention_from_the_topic_with_a_bad_id_is_unusable(field, value):
    raw = json.loads(make_mention().to_json())
    raw[field] = value
    with pytest.raises(InvalidId, match=field):
        Mention.from_json(json.dumps(raw))


@pytest.mark.parametrize(
    "change",
    [
        {"files": [{"id": "F1/../x"}]},
        {"files": "F1"},
        {"files": [["F1"]]},
        {"file_refs": {"file_id": "F1"}},
        {"event_time": "soon"},
        {"is_direct_message": "yes"},
        {"text": ["a"]},
    ],
)
def test_a_mention_whose_fields_have_the_wrong_shape_is_unusable(change):
    raw = {**json.loads(make_mention().to_json()), **change}
    with pytest.raises((ValueError, TypeError)):
        Mention.from_json(json.dumps(raw))


@pytest.mark.parametrize("data", [b"[1]", b'"x"', b"[" * 100_000 + b"]" * 100_000])
def test_topic_data_that_is_no_mention_object_is_unusable(data):
    with pytest.raises((ValueError, TypeError)):
        Mention.from_json(data)


def test_a_push_whose_mention_names_another_threads_data_gets_400_and_no_handling():
    seen = []

    @push_endpoint(lambda: "core", logger=logging.getLogger("test"))
    def handle(core, push, mention):
        seen.append(mention)
        return "", 204

    raw = json.loads(make_mention().to_json())
    raw["channel"] = "C1/T1:C2"
    data = base64.b64encode(json.dumps(raw).encode()).decode()

    class Request:
        method = "POST"

        def get_data(self) -> bytes:
            return json.dumps({"message": {"data": data, "messageId": "9"}}).encode()

    assert handle(Request()) == ("bad message", 400)  # 400: Pub/Sub dead-letters it
    assert seen == []
