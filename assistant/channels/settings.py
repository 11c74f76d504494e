"""What one channel's answers may be and do: defaults merged with per-workspace and per-channel
overrides (pure).

The environment gives the deployment's defaults; the settings file (`config/assistant.yaml`)
may override any of them under `defaults:`, per workspace under `workspaces: {T…: …}` and per
channel under `channels: {C…: …}`, in that order, the most specific winning. Every section has
the same shape (`SECTION_KEYS`), so a file is checked once, whole, before anything uses it.

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

__all__ = [
    "Allowlist",
    "Budgets",
    "ChannelSettings",
    "InvalidSettings",
    "Persona",
    "Price",
    "SettingsFile",
    "Tools",
    "parse_settings",
]


class InvalidSettings(ValueError):
    """The settings file cannot be used; `problems` names each wrong key by its path."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclasses.dataclass(frozen=True, kw_only=True)
class Persona:
    system_prompt: str = ""  # "" means the deployment's SYSTEM_PROMPT
    display_name: str = ""  # shown instead of the app's name (needs chat:write.customize)
    icon_emoji: str = ""
    icon_url: str = ""


@dataclasses.dataclass(frozen=True, kw_only=True)
class Tools:
    documents: bool = True  # search the document sets, when that tool is deployed
    code: bool = True  # run Python, when that tool is deployed (EXECUTOR_URL)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Budgets:
    """US dollars; 0 means no limit."""

    workspace_monthly_usd: float = 0.0
    channel_monthly_usd: float = 0.0
    user_daily_usd: float = 0.0


@dataclasses.dataclass(frozen=True, kw_only=True)
class Allowlist:
    """Empty means everyone in the workspace (people from other organisations never, unless
    their team is listed in `external_teams` or they are in `users`)."""

    channels: frozenset[str] = frozenset()
    users: frozenset[str] = frozenset()
    external_teams: frozenset[str] = frozenset()


@dataclasses.dataclass(frozen=True, kw_only=True)
class ChannelSettings:
    enabled: bool = True
    persona: Persona = Persona()
    model: str = "gpt-4o-mini"
    document_sets: tuple[str, ...] = ()
    tools: Tools = Tools()
    follow_ups_without_mention: bool = True  # a one-person thread's replies need no mention
    budgets: Budgets = Budgets()
    max_prompt_tokens: int = 32_000  # 0: only the model's window bounds the prompt
    mentions_per_minute: int = 0  # per person; 0: no limit
    allow: Allowlist = Allowlist()

    def to_display(self) -> dict[str, Any]:
        """What `@assistant settings` shows: everything here is safe to show (no secrets)."""
        return _plain(dataclasses.asdict(self))


@dataclasses.dataclass(frozen=True)
class Price:
    """US dollars per million tokens."""

    input_per_million: float
    output_per_million: float = 0.0


# Every key a section may hold, with its type: a nested dict is a sub-section.
SECTION_KEYS: dict[str, Any] = {
    "enabled": bool,
    "persona": {"system_prompt": str, "display_name": str, "icon_emoji": str, "icon_url": str},
    "model": str,
    "document_sets": list,
    "tools": {"documents": bool, "code": bool},
    "follow_ups_without_mention": bool,
    "budgets": {
        "workspace_monthly_usd": float,
        "channel_monthly_usd": float,
        "user_daily_usd": float,
    },
    "limits": {"max_prompt_tokens": int, "mentions_per_minute": int},
    "allow": {"channels": list, "users": list, "external_teams": list},
}
# Settings that are about the whole workspace and mean nothing for one channel.
_NOT_PER_CHANNEL = (("budgets", "workspace_monthly_usd"), ("allow", "channels"))
_TOP_LEVEL = ("defaults", "workspaces", "channels", "prices")


@dataclasses.dataclass(frozen=True)
class SettingsFile:
    """A validated settings file: sparse overrides, applied over the environment's defaults."""

    defaults: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    workspaces: Mapping[str, Mapping[str, Any]] = dataclasses.field(default_factory=dict)
    channels: Mapping[str, Mapping[str, Any]] = dataclasses.field(default_factory=dict)
    prices: Mapping[str, Price] = dataclasses.field(default_factory=dict)

    def resolve(self, base: ChannelSettings, *, team: str, channel: str) -> ChannelSettings:
        merged = _as_section(base)
        for overrides in (
            self.defaults,
            self.workspaces.get(team, {}),
            self.channels.get(channel, {}),
        ):
            merged = _merge(merged, overrides)
        return _from_section(merged)


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
        for group, key in _NOT_PER_CHANNEL:
            if key in section.get(group, {}):
                problems.append(
                    f"channels.{name}.{group}.{key}: a workspace-wide setting; "
                    "set it under defaults or workspaces"
                )
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
    keys = SECTION_KEYS if keys is None else keys
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


def _as_section(settings: ChannelSettings) -> dict[str, Any]:
    return {
        "enabled": settings.enabled,
        "persona": dataclasses.asdict(settings.persona),
        "model": settings.model,
        "document_sets": list(settings.document_sets),
        "tools": dataclasses.asdict(settings.tools),
        "follow_ups_without_mention": settings.follow_ups_without_mention,
        "budgets": dataclasses.asdict(settings.budgets),
        "limits": {
            "max_prompt_tokens": settings.max_prompt_tokens,
            "mentions_per_minute": settings.mentions_per_minute,
        },
        "allow": {key: sorted(value) for key, value in dataclasses.asdict(settings.allow).items()},
    }


def _merge(base: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overrides.items():
        merged[key] = _merge(base[key], value) if isinstance(value, dict) else value
    return merged


def _from_section(section: dict[str, Any]) -> ChannelSettings:
    persona = Persona(**section["persona"])
    return ChannelSettings(
        enabled=section["enabled"],
        persona=persona,
        model=section["model"],
        document_sets=tuple(section["document_sets"]),
        tools=Tools(**section["tools"]),
        follow_ups_without_mention=section["follow_ups_without_mention"],
        budgets=Budgets(**section["budgets"]),
        max_prompt_tokens=section["limits"]["max_prompt_tokens"],
        mentions_per_minute=section["limits"]["mentions_per_minute"],
        allow=Allowlist(**{key: frozenset(value) for key, value in section["allow"].items()}),
    )


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(item) for item in value]
        return sorted(items) if isinstance(value, set | frozenset) else items
    return value
