"""Settings per workspace and channel: the most specific wins, a bad file is refused whole."""

from __future__ import annotations

import pytest

from assistant.channels.access import REFUSALS, refusal
from assistant.channels.settings import (
    Allowlist,
    Budgets,
    ChannelSettings,
    Persona,
    channel_defaults,
    resolved,
)
from assistant.channels.settings_file import InvalidSettings, parse_settings
from assistant.channels.source import SettingsSource
from assistant.config import Settings

BASE = ChannelSettings(
    model="gpt-4o-mini",
    persona=Persona(system_prompt="Be brief."),
    budgets=Budgets(workspace_monthly_usd=100, user_daily_usd=5),
)


def test_channel_overrides_workspace_overrides_defaults_overrides_the_environment():
    parsed = parse_settings(
        {
            "defaults": {"model": "gpt-4.1-mini", "budgets": {"user_daily_usd": 2}},
            "workspaces": {"T1": {"model": "gpt-4o", "tools": {"code": False}}},
            "channels": {"C1": {"persona": {"display_name": "Finance"}, "model": "gpt-5"}},
        }
    )

    in_channel = parsed.resolve(BASE, team="T1", channel="C1")
    assert in_channel.model == "gpt-5"
    assert in_channel.tools.code is False  # from the workspace
    assert in_channel.budgets == Budgets(workspace_monthly_usd=100, user_daily_usd=2)
    # A nested section merges key by key: the persona keeps the environment's prompt.
    assert in_channel.persona == Persona(system_prompt="Be brief.", display_name="Finance")
    assert parsed.resolve(BASE, team="T1", channel="C2").model == "gpt-4o"
    assert parsed.resolve(BASE, team="T2", channel="C1").tools.code is True  # the default


def test_an_empty_file_changes_nothing():
    assert parse_settings(None).resolve(BASE, team="T1", channel="C1") == BASE


def test_every_problem_in_a_file_is_named_by_its_path():
    with pytest.raises(InvalidSettings) as error:
        parse_settings(
            {
                "defaults": {"model": 4, "budgets": {"user_daily_usd": -1}},
                "channels": {
                    "C1": {"colour": "blue", "budgets": {"workspace_monthly_usd": 1}},
                    "general": {},
                },
                "prices": {"m": {"output_per_million": 1}},
                "extra": 1,
            }
        )
    assert error.value.problems == [
        "extra: unknown key (expected one of defaults, workspaces, channels, prices)",
        "defaults.model: must be text, got 4",
        "defaults.budgets.user_daily_usd: must be a number ≥ 0, got -1",
        "channels.C1.colour: unknown key (expected one of enabled, persona, model, "
        "document_sets, tools, follow_ups_without_mention, budgets, limits, allow, audience, "
        "routines, web, mcp_servers)",
        "channels.general: not a Slack id (starts with C or D or G)",
        "channels.C1.budgets.workspace_monthly_usd: a workspace-wide setting; "
        "set it under defaults or workspaces",
        "prices.m.input_per_million: required",
    ]


@pytest.mark.parametrize(
    ("value", "problem"),
    [({"enabled": "yes"}, "true or false"), ({"limits": {"mentions_per_minute": 1.5}}, "whole"),
     ({"document_sets": "handbook"}, "list of names"), ({"tools": []}, "must be a mapping")],
)  # fmt: skip
def test_values_of_the_wrong_type_are_refused(value, problem):
    with pytest.raises(InvalidSettings, match=problem):
        parse_settings({"defaults": value})


def test_the_displayed_settings_are_plain_data():
    shown = BASE.to_display()
    assert shown["allow"] == {
        "channels": [],
        "users": [],
        "external_teams": [],
        "direct_messages": True,
    }
    assert shown["budgets"]["user_daily_usd"] == 5


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_source_rereads_after_the_refresh_interval_and_keeps_the_last_good_file(caplog):
    clock, files = Clock(), [b"defaults: {model: gpt-4o}"]
    source = SettingsSource(lambda: files[-1], refresh_seconds=60, clock=clock)
    assert source.current().defaults == {"model": "gpt-4o"}

    files.append(b"defaults: {model: [broken]}")
    clock.now = 59
    assert source.current().defaults == {"model": "gpt-4o"}  # not re-read yet
    clock.now = 61
    assert source.current().defaults == {"model": "gpt-4o"}  # refused, the last good stays
    assert "settings file refused" in caplog.text

    files.append(b"defaults: {model: gpt-5}")
    clock.now = 122
    assert source.current().defaults == {"model": "gpt-5"}


def test_an_unreadable_or_missing_file_keeps_what_is_in_force():
    clock, reads = Clock(), [b"defaults: {model: gpt-4o}"]

    def read():
        item = reads.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    source = SettingsSource(read, refresh_seconds=1, clock=clock)
    assert source.current().defaults == {"model": "gpt-4o"}
    reads.append(OSError("network down"))
    clock.now = 2
    assert source.current().defaults == {"model": "gpt-4o"}
    reads.append(None)  # the object was deleted: no overrides any more
    clock.now = 4
    assert source.current().defaults == {}


@pytest.mark.parametrize(
    ("settings", "asker", "expected"),
    [
        (BASE, {}, None),
        (ChannelSettings(enabled=False), {}, "disabled"),
        (ChannelSettings(allow=Allowlist(channels=frozenset({"C9"}))), {}, "channel"),
        (ChannelSettings(allow=Allowlist(channels=frozenset({"C9"}))), {"is_dm": True}, None),
        (ChannelSettings(allow=Allowlist(users=frozenset({"U9"}))), {}, "user"),
        (BASE, {"user_team": "T2"}, "external"),
        (
            ChannelSettings(allow=Allowlist(external_teams=frozenset({"T2"}))),
            {"user_team": "T2"},
            None,
        ),
        (ChannelSettings(allow=Allowlist(users=frozenset({"U1"}))), {"user_team": "T2"}, None),
    ],
)
def test_who_may_ask_where(settings, asker, expected):
    who = {"team": "T1", "channel": "C1", "user": "U1", "user_team": "T1", "is_dm": False}
    assert refusal(settings, **{**who, **asker}) == expected


def test_direct_messages_follow_their_own_setting_not_the_channel_list():
    # A DM is not a channel an admin can list (its id is per person): ALLOWED_CHANNELS does
    # not reach it, ALLOW_DIRECT_MESSAGES (allow.direct_messages) does.
    dm = {"team": "T1", "channel": "D1", "user": "U1", "user_team": "T1", "is_dm": True}
    listed = Allowlist(channels=frozenset({"C9"}))
    assert refusal(ChannelSettings(allow=listed), **dm) is None
    closed = channel_defaults(Settings.from_env({"ALLOW_DIRECT_MESSAGES": "false"}))
    assert refusal(closed, **dm) == "direct_messages"
    assert refusal(closed, **{**dm, "channel": "C1", "is_dm": False}) is None
    from_file = parse_settings({"defaults": {"allow": {"direct_messages": False}}})
    assert refusal(resolved(BASE, from_file.defaults), **dm) == "direct_messages"
    assert "direct message" in REFUSALS["direct_messages"]
