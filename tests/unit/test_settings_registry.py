"""The settings registry and the topics table are the one source: everything else agrees.

Terraform's side (variables' defaults, each function's env, the topics' subscriptions) is
checked in tests/terraform against the same tables.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from pathlib import Path

import pytest

from assistant import settings_registry as registry
from assistant.channels import settings as channel_settings
from assistant.channels.settings import ChannelSettings, channel_defaults
from assistant.channels.settings_file import parse_settings
from assistant.config import ENV_BY_FUNCTION, SECRET_ENV, Settings
from assistant.retrieval.relevance import relevance_for
from assistant.retrieval.search import SearchLimits
from assistant.settings_registry import CHANNEL_SETTINGS, ENV_SETTINGS, SETTINGS
from assistant.topics import TOPICS, handler_paths, topic_at
from devstack import configuration_docs

ROOT = Path(__file__).resolve().parents[2]


def test_settings_has_the_registry_s_type_and_default_for_each_attribute():
    hints = typing.get_type_hints(Settings)
    fields = {field.name: field for field in dataclasses.fields(Settings)}
    fields.pop("unlisted")
    assert set(fields) == {setting.attribute for setting in ENV_SETTINGS.values()}
    for setting in ENV_SETTINGS.values():
        name = str(setting.attribute)
        assert hints[name] == setting.kind, f"{name}: {hints[name]} here, {setting.kind} there"
        assert fields[name].default == setting.default, name
        assert Settings().get(setting) == setting.default


def test_every_entry_is_a_variable_or_a_key_and_every_variable_has_a_reader():
    for setting in SETTINGS:
        assert setting.env or setting.channel_key, setting
        assert bool(setting.env) == bool(setting.functions), setting.name
        assert set(setting.functions) <= set(registry.FUNCTIONS), setting.name
        assert setting.doc and not setting.doc.endswith("."), setting.name
        assert not (setting.workspace_wide and not setting.channel_key), setting.name
    assert {
        "SLACK_SIGNING_SECRET",
        "SLACK_BOT_TOKEN",
        "OPENAI_API_KEY",
        "MCP_HEADERS",
        "WEB_SEARCH_API_KEY",
    } == SECRET_ENV
    assert "SLACK_BOT_TOKEN_FILE" in ENV_BY_FUNCTION["files"]
    assert "SLACK_BOT_TOKEN" not in ENV_BY_FUNCTION["ingress"]


def test_a_variable_is_parsed_as_its_registered_type():
    settings = Settings.from_env(
        {"ALLOWED_USERS": "U1, U2", "LOADING_MESSAGES": "a, b|c", "LOG_PROMPTS": "yes",
         "MODEL_CONTEXT_TOKENS": "8000", "RETRIEVAL_MAX_DISTANCE": "0.4"}
    )  # fmt: skip
    assert settings.allowed_users == frozenset({"U1", "U2"})
    assert settings.loading_messages == ("a, b", "c")
    assert (settings.log_prompts, settings.model_context_tokens) == (True, 8000)
    assert settings.get(registry.RETRIEVAL_MAX_DISTANCE) == 0.4
    with pytest.raises(ValueError, match="LOG_PROMPTS must be true or false"):
        Settings.from_env({"LOG_PROMPTS": "maybe"})


def test_one_retrieval_relevance_default():
    # It was 0.6 in SearchLimits and 0.65 in Settings: what the responder used depended on
    # which one was read. Now both are the default embedding model's calibration.
    settings = Settings()
    limits = SearchLimits()
    assert limits.relevance == relevance_for(settings.embedding_model)
    assert limits.relevance == relevance_for(
        settings.embedding_model, settings.retrieval_max_distance
    )
    assert limits.max_passages == Settings().retrieval_max_passages
    assert limits.token_share == Settings().retrieval_token_share


def test_channel_settings_default_to_the_registry_and_the_environment_overrides_them():
    for setting in CHANNEL_SETTINGS.values():
        assert ChannelSettings().get(setting) == setting.default, setting.channel_key
    assert channel_defaults(Settings()) == ChannelSettings()
    base = channel_defaults(
        Settings.from_env({"OPENAI_MODEL": "gpt-4o", "ALLOWED_CHANNELS": "C1,C2",
                           "MONTHLY_BUDGET_USD": "7", "USER_MENTIONS_PER_MINUTE": "3"})
    )  # fmt: skip
    assert (base.model, base.allow.channels) == ("gpt-4o", frozenset({"C1", "C2"}))
    assert (base.budgets.workspace_monthly_usd, base.mentions_per_minute) == (7.0, 3)
    assert base.get(registry.ALLOWED_CHANNELS) == frozenset({"C1", "C2"})


def test_every_attribute_of_channel_settings_is_a_registered_key():
    shown = ChannelSettings().to_display()
    attributes = {
        f"{name}.{inner}" if name in channel_settings._NESTED else name
        for name, value in shown.items()
        for inner in (value if name in channel_settings._NESTED else [None])
    }
    registered = {
        ".".join(path)
        for key in CHANNEL_SETTINGS
        if (path := channel_settings._attribute_path(key))
    }
    assert attributes == registered


def test_a_new_channel_key_needs_only_its_registry_entry(monkeypatch):
    rounds = registry.channel_setting("limits.max_tool_rounds", int, 4, "tool rounds per answer")
    monkeypatch.setitem(CHANNEL_SETTINGS, "limits.max_tool_rounds", rounds)
    monkeypatch.setattr(channel_settings, "SECTION_KEYS", channel_settings._section_keys())

    parsed = parse_settings({"channels": {"C1": {"limits": {"max_tool_rounds": 2}}}})
    base = channel_defaults(Settings())
    assert base.get(rounds) == 4
    assert parsed.resolve(base, team="T1", channel="C1").get(rounds) == 2
    assert parsed.resolve(base, team="T1", channel="C1").to_display()["limits.max_tool_rounds"] == 2
    with pytest.raises(Exception, match="whole number"):
        parse_settings({"defaults": {"limits": {"max_tool_rounds": "many"}}})


def test_the_configuration_docs_are_generated_from_the_registries():
    committed = configuration_docs.DOCS_PATH.read_text()
    assert committed == configuration_docs.render(), (
        f"docs/configuration.md is out of date: run `{configuration_docs.REGENERATE}`"
    )


def test_the_settings_file_comments_list_exactly_the_registered_keys():
    text = (ROOT / "config" / "assistant.yaml").read_text()
    block = text.split("# Keys of a section", 1)[1].split("\n#\n", 1)[0]
    listed, groups = [], []
    for line in block.splitlines():
        match = re.match(r"#   ( *)(\w+):", line)
        if match is None:
            continue
        depth = len(match[1]) // 2
        groups[depth:] = [match[2]]
        listed.append(".".join(groups))
    keys = [key for key in listed if not any(other.startswith(key + ".") for other in listed)]
    assert sorted(keys) == sorted(CHANNEL_SETTINGS)


def test_each_topic_is_named_by_its_setting_and_received_by_a_known_function():
    for topic in TOPICS:
        assert topic.function in registry.FUNCTIONS
        assert topic.path.startswith("/")
        if topic.setting is not None:
            assert getattr(Settings(), topic.setting) == topic.name
    assert Settings().mentions_dead_letter_topic == next(
        topic.dead_letter for topic in TOPICS if topic.name == "mentions"
    )
    assert len({(topic.function, topic.path) for topic in TOPICS}) == len(TOPICS)


@pytest.mark.parametrize(
    ("path", "expected"),
    [("/", "mentions"), ("", "mentions"), ("/feedback", "feedback"), ("/feedback/", "feedback"),
     ("/assistant-events", "assistant-events"), ("/x/assistant-events", "assistant-events"),
     ("/other", "mentions")],
)  # fmt: skip
def test_the_responder_s_paths_route_as_they_always_did(path, expected):
    assert topic_at("responder", path).name == expected
    assert set(handler_paths("responder")) == {
        "/", "/feedback", "/assistant-events", "/routines", "/routine-runs", "/routine-actions"
    }  # fmt: skip
