"""The settings file (`config/assistant.yaml`), validated whole before anything uses it (pure).

Sparse overrides of the channel settings under `defaults:`, `workspaces: {T…:}` and
`channels: {C…:}`, and a `prices:` table; every wrong key is named by its path at once.

    >>> base = ChannelSettings(model="gpt-4o-mini")
    >>> parsed = parse_settings({"channels": {"C1": {"model": "gpt-4o", "tools": {"code": False}}}})
    >>> effective = parsed.resolve(base, team="T1", channel="C1")
    >>> effective.model, effective.tools.code, parsed.resolve(base, team="T1", channel="C2").model
    ('gpt-4o', False, 'gpt-4o-mini')
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from assistant.channels import settings as channel_settings
from assistant.channels.settings import (
    ABSENT,
    CHANNEL_SETTINGS,
    ChannelSettings,
    Price,
    lookup,
    resolved,
)

__all__ = ["InvalidSettings", "SettingsFile", "parse_settings"]


class InvalidSettings(ValueError):
    """The settings file cannot be used; `problems` names each wrong key by its path."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


# Settings that are about the whole workspace and mean nothing for one channel.
_NOT_PER_CHANNEL = tuple(
    tuple(key.split(".")) for key, setting in CHANNEL_SETTINGS.items() if setting.workspace_wide
)
_TOP_LEVEL = ("defaults", "workspaces", "channels", "prices")


@dataclasses.dataclass(frozen=True)
class SettingsFile:
    """A validated settings file: sparse overrides, applied over the environment's defaults."""

    defaults: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    workspaces: Mapping[str, Mapping[str, Any]] = dataclasses.field(default_factory=dict)
    channels: Mapping[str, Mapping[str, Any]] = dataclasses.field(default_factory=dict)
    prices: Mapping[str, Price] = dataclasses.field(default_factory=dict)

    def resolve(self, base: ChannelSettings, *, team: str, channel: str) -> ChannelSettings:
        return resolved(
            base, self.defaults, self.workspaces.get(team, {}), self.channels.get(channel, {})
        )


def parse_settings(data: object) -> SettingsFile:
    """Validate a loaded YAML document; raises InvalidSettings listing every problem."""
    if data is None:
        return SettingsFile()
    if not isinstance(data, dict):
        raise InvalidSettings(
            ["the file must be a mapping with defaults/workspaces/channels/prices"]
        )
    problems = [
        f"{key}: unknown key (expected one of {', '.join(_TOP_LEVEL)})"
        for key in data
        if key not in _TOP_LEVEL
    ]
    defaults = _check_section(data.get("defaults"), "defaults", problems)
    workspaces = _check_named(data.get("workspaces"), "workspaces", "T", problems)
    channels = _check_named(data.get("channels"), "channels", "CDG", problems)
    for name, section in channels.items():
        for path in _NOT_PER_CHANNEL:
            if lookup(section, path) is not ABSENT:
                problems.append(
                    f"channels.{name}.{'.'.join(path)}: a workspace-wide setting; "
                    "set it under defaults or workspaces"
                )
    _check_server_urls(defaults, workspaces, channels, problems)
    prices = _check_prices(data.get("prices"), problems)
    if problems:
        raise InvalidSettings(problems)
    return SettingsFile(defaults, workspaces, channels, prices)


def _check_named(value: object, where: str, prefixes: str, problems: list[str]) -> dict[str, dict]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(f"{where}: must be a mapping of Slack ids to settings")
        return {}
    checked = {}
    for name, section in value.items():
        if not isinstance(name, str) or not name or name[0] not in prefixes:
            problems.append(f"{where}.{name}: not a Slack id (starts with {' or '.join(prefixes)})")
            continue
        checked[name] = _check_section(section, f"{where}.{name}", problems)
    return checked


def _check_section(
    value: object, where: str, problems: list[str], keys: dict | None = None
) -> dict:
    keys = channel_settings.SECTION_KEYS if keys is None else keys  # read when checked
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(f"{where}: must be a mapping")
        return {}
    checked: dict[str, Any] = {}
    for key, item in value.items():
        path = f"{where}.{key}"
        kind = keys.get(key)
        if kind is None:
            problems.append(f"{path}: unknown key (expected one of {', '.join(keys)})")
        elif isinstance(kind, dict):
            checked[key] = _check_section(item, path, problems, kind)
        elif hasattr(kind, "check"):  # a structured value checks itself (McpServers)
            checked[key] = kind.check(item, path, problems)
        elif (problem := _type_problem(kind, item)) is not None:
            problems.append(f"{path}: {problem}, got {item!r}")
        else:
            checked[key] = float(item) if kind is float else item
    return checked


def _type_problem(kind: type, item: object) -> str | None:
    if kind is bool:
        return None if isinstance(item, bool) else "must be true or false"
    if kind is int:
        ok = isinstance(item, int) and not isinstance(item, bool) and item >= 0
        return None if ok else "must be a whole number ≥ 0"
    if kind is float:
        ok = isinstance(item, int | float) and not isinstance(item, bool) and item >= 0
        return None if ok else "must be a number ≥ 0"
    if kind is list:
        ok = isinstance(item, list) and all(isinstance(x, str) and x for x in item)
        return None if ok else "must be a list of names"
    return None if isinstance(item, str) else "must be text"


def _check_prices(value: object, problems: list[str]) -> dict[str, Price]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append("prices: must map model names to {input_per_million, output_per_million}")
        return {}
    prices = {}
    keys = {"input_per_million": float, "output_per_million": float}
    for model, entry in value.items():
        before = len(problems)
        checked = _check_section(entry, f"prices.{model}", problems, keys)
        if "input_per_million" not in checked and len(problems) == before:
            problems.append(f"prices.{model}.input_per_million: required")
        if len(problems) == before:
            prices[str(model)] = Price(**checked)
    return prices


def _check_server_urls(
    defaults: dict, workspaces: dict[str, dict], channels: dict[str, dict], problems: list[str]
) -> None:
    """Every MCP server named in a section has its URL there or in a wider one (a channel's
    may come from any workspace: which one it belongs to is not known here)."""

    def named(section: Mapping[str, Any], with_url: bool = False) -> set[str]:
        servers = section.get("mcp_servers") or {}
        return {name for name, entry in servers.items() if not with_url or "url" in entry}

    wide = named(defaults, with_url=True)
    any_workspace = set().union(*(named(s, with_url=True) for s in workspaces.values()))
    sections = [("defaults", defaults, wide)]
    sections += [(f"workspaces.{n}", s, wide) for n, s in workspaces.items()]
    sections += [(f"channels.{n}", s, wide | any_workspace) for n, s in channels.items()]
    for where, section, known in sections:
        for name in sorted(named(section) - named(section, with_url=True) - known):
            problems.append(f"{where}.mcp_servers.{name}.url: required (no wider section has it)")
