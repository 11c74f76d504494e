"""The JSON contracts between functions: the mention message and the Pub/Sub push envelope."""

from __future__ import annotations

import base64
import dataclasses
import json

import pytest

from assistant.config import (
    ENV_BY_FUNCTION,
    SECRET_ENV,
    SECRET_FILE_SUFFIX,
    SecretUnavailable,
    Settings,
)
from assistant.mention import FileRef, Mention, SlackFile
from assistant.pubsub.envelope import InvalidEnvelope, parse_mention_push, parse_push
from assistant.settings_registry import ENV_SETTINGS
from tests.builders import make_mention

MENTION = Mention(
    event_id="Ev1",
    team_id="T1",
    channel="C1",
    user="U1",
    text="<@U0BOT> hi",
    ts="1.000100",
    thread_ts="1.000100",
    files=(SlackFile(id="F1", name="a.csv"),),
    file_refs=(FileRef(file_id="F1", name="a.csv", mimetype="text/csv", kind="text"),),
)


def test_a_mention_survives_the_topic_round_trip():
    assert Mention.from_json(MENTION.to_json()) == MENTION


def test_unknown_fields_from_a_newer_publisher_are_ignored():
    raw = json.loads(MENTION.to_json())
    raw["added_later"] = True
    assert Mention.from_json(json.dumps(raw)) == MENTION


@pytest.mark.parametrize("text", ["<@U0BOT> reset", "<@U0BOT>  Reset!", "reset"])
def test_reset_is_recognised(text):
    assert dataclasses.replace(MENTION, text=text).is_reset


def test_a_push_envelope_keeps_ordering_key_and_delivery_attempt():
    body = json.dumps(
        {
            "message": {
                "data": base64.b64encode(b"payload").decode(),
                "messageId": "42",
                "orderingKey": "T1:C1:1.0",
                "attributes": {"event_id": "Ev1"},
            },
            "subscription": "projects/p/subscriptions/mentions-push",
            "deliveryAttempt": 3,
        }
    ).encode()
    push = parse_push(body)
    assert (push.data, push.message_id, push.ordering_key, push.delivery_attempt) == (
        b"payload",
        "42",
        "T1:C1:1.0",
        3,
    )


@pytest.mark.parametrize("body", [b"", b"{}", b'{"message": {"data": "!!", "messageId": "1"}}'])
def test_garbage_is_not_a_push_envelope(body):
    with pytest.raises(InvalidEnvelope):
        parse_push(body)


def test_every_setting_is_read_by_some_function_and_parsed():
    secret_files = {name + SECRET_FILE_SUFFIX for name in SECRET_ENV}
    assert set(ENV_SETTINGS) | secret_files == set().union(*ENV_BY_FUNCTION.values())
    assert all(setting.functions for setting in ENV_SETTINGS.values())
    settings = Settings.from_env({"MAX_FILE_BYTES": "10", "OPENAI_TIMEOUT_SECONDS": "2.5"})
    assert (settings.max_file_bytes, settings.openai_timeout_seconds) == (10, 2.5)
    with pytest.raises(ValueError, match="MAX_FILE_BYTES"):
        Settings.from_env({"MAX_FILE_BYTES": "ten"})


def test_a_push_whose_data_is_not_a_mention_is_unusable():
    body = json.dumps(
        {"message": {"data": base64.b64encode(b'{"hello": 1}').decode(), "messageId": "7"}}
    ).encode()
    with pytest.raises(InvalidEnvelope, match="not a mention"):
        parse_mention_push(body)
    push, mention = parse_mention_push(
        json.dumps(
            {"message": {"data": base64.b64encode(MENTION.to_json()).decode(), "messageId": "8"}}
        ).encode()
    )
    assert (push.message_id, mention) == ("8", MENTION)


def test_a_secret_is_read_from_its_mounted_file_when_one_is_named(tmp_path):
    token = tmp_path / "value"
    token.write_text("xoxb-from-secret-manager\n")
    settings = Settings.from_env({"SLACK_BOT_TOKEN_FILE": str(token), "SLACK_BOT_TOKEN": "old"})
    assert settings.slack_bot_token == "xoxb-from-secret-manager"


def test_a_secret_without_a_version_yet_is_reported_not_read_as_empty(tmp_path):
    with pytest.raises(SecretUnavailable, match="SLACK_SIGNING_SECRET"):
        Settings.from_env({"SLACK_SIGNING_SECRET_FILE": str(tmp_path / "missing")})
    (tmp_path / "empty").write_text("")
    with pytest.raises(SecretUnavailable, match="empty"):
        Settings.from_env({"OPENAI_API_KEY_FILE": str(tmp_path / "empty")})


def test_the_question_keeps_other_peoples_mentions_and_drops_only_the_bots():
    mention = make_mention("<@U0BOT> what did <@U0ALICE> mean by <@U0BOT|assistant>?")
    assert mention.question == "what did <@U0ALICE> mean by ?"
    unknown_bot = make_mention("<@U0BOT> ask <@U0ALICE>", bot_user_id="")
    assert unknown_bot.question == "ask <@U0ALICE>"


def test_every_log_line_of_a_delivery_carries_its_event_id():
    import io
    import logging

    from assistant.logs import configure_logging, delivery_context

    configure_logging()
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.getLogger().handlers[0].formatter)
    logger = logging.getLogger("assistant.files.loader")
    logger.addHandler(handler)
    try:
        with delivery_context(event_id="Ev42", thread_key="T:C:1"):
            logger.warning("refused a file reference")
    finally:
        logger.removeHandler(handler)
    line = json.loads(out.getvalue().splitlines()[-1])
    assert (line["event_id"], line["thread_key"]) == ("Ev42", "T:C:1")
    assert line["logging.googleapis.com/labels"] == {"event_id": "Ev42"}
