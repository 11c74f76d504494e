"""What one channel's answers may be and do: defaults merged with per-workspace and per-channel
overrides (pure).

The environment gives the deployment's defaults; the settings file (`config/assistant.yaml`)
may override any of them under `defaults:`, per workspace under `workspaces: {T…: …}` and per
channel under `channels: {C…: …}`, in that order, the most specific winning. Every section has
the same shape (`SECTION_KEYS`), so a file is checked once, whole, before anything uses it
(`settings_file.py`).

The keys, their types and defaults are the registry's (assistant/settings_registry.py, each
entry with a `channel_key`): a new key is one entry there, read with `channel.get(ENTRY)`.

    >>> base = ChannelSettings(model="gpt-4o-mini")
    >>> effective = resolved(base, {"model": "gpt-4o", "tools": {"code": False}})
    >>> effective.model, effective.tools.code
    ('gpt-4o', False)
    >>> effective.get(registry.TOOLS_CODE), effective.get(registry.OPENAI_MODEL)
    (False, 'gpt-4o')
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from assistant import settings_registry as registry
from assistant.mcp.servers import McpServers
from assistant.settings_registry import CHANNEL_SETTINGS, Setting

if TYPE_CHECKING:
    from assistant.config import Settings

__all__ = [
    "Allowlist",
    "AudienceReach",
    "Budgets",
    "ChannelSettings",
    "Persona",
    "Price",
    "RoutineSettings",
    "Tools",
    "WebReach",
    "channel_defaults",
    "lookup",
    "resolved",
]

T = TypeVar("T")


@dataclasses.dataclass(frozen=True, kw_only=True)
class Persona:
    system_prompt: str = ""  # "" means the deployment's SYSTEM_PROMPT
    display_name: str = registry.PERSONA_DISPLAY_NAME.default  # needs chat:write.customize
    icon_emoji: str = registry.PERSONA_ICON_EMOJI.default
    icon_url: str = registry.PERSONA_ICON_URL.default


@dataclasses.dataclass(frozen=True, kw_only=True)
class Tools:
    documents: bool = registry.TOOLS_DOCUMENTS.default  # search documents, when deployed
    code: bool = (
        registry.TOOLS_CODE.default
    )  # run Python, when that tool is deployed (EXECUTOR_URL)
    web: bool = registry.TOOLS_WEB.default  # read web pages (`read_url`)
    web_search: bool = registry.TOOLS_WEB_SEARCH.default  # `web_search`, when a key is deployed


@dataclasses.dataclass(frozen=True, kw_only=True)
class Budgets:
    """US dollars; 0 means no limit (also the default here: a plain Budgets() limits nothing)."""

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
    # DMs are no channel an admin could list; answered unless this is off (ALLOW_DIRECT_MESSAGES).
    direct_messages: bool = registry.ALLOW_DIRECT_MESSAGES.default


@dataclasses.dataclass(frozen=True, kw_only=True)
class AudienceReach:
    """What answers may draw on when people outside the organisation may read them
    (assistant/audience/policy.py decides; these are the channel's opt-ins)."""

    shared_channels: bool = registry.AUDIENCE_SHARED_CHANNELS.default
    guests: bool = registry.AUDIENCE_GUESTS.default


@dataclasses.dataclass(frozen=True, kw_only=True)
class WebReach:
    """Internal hosts `read_url` may read although the SSRF policy refuses them
    (assistant/web/addresses.py): names, addresses or networks."""

    allowed_hosts: frozenset[str] = registry.WEB_ALLOWED_HOSTS.default


@dataclasses.dataclass(frozen=True, kw_only=True)
class RoutineSettings:
    """Scheduled recaps (assistant/routines/): whether they may post here, how many a person
    may have."""

    allowed: bool = registry.ROUTINES_ALLOWED.default
    per_person: int = registry.ROUTINES_PER_PERSON.default  # 0: no limit


@dataclasses.dataclass(frozen=True, kw_only=True)
class ChannelSettings:
    """A channel's effective settings. The attributes are the keys the code has always read;
    every registered key, these included, is also `get(ENTRY)`. The defaults are the registry's
    (tests/unit/test_settings_registry.py keeps them equal)."""

    enabled: bool = registry.ENABLED.default
    persona: Persona = Persona(system_prompt=registry.SYSTEM_PROMPT.default)
    model: str = registry.OPENAI_MODEL.default
    document_sets: tuple[str, ...] = registry.DOCUMENT_SETS.default
    tools: Tools = Tools()
    follow_ups_without_mention: bool = registry.FOLLOW_UPS_WITHOUT_MENTION.default
    budgets: Budgets = Budgets(
        workspace_monthly_usd=registry.MONTHLY_BUDGET_USD.default,
        channel_monthly_usd=registry.BUDGETS_CHANNEL_MONTHLY_USD.default,
        user_daily_usd=registry.USER_DAILY_BUDGET_USD.default,
    )
    max_prompt_tokens: int = (
        registry.MAX_PROMPT_TOKENS.default
    )  # 0: only the model's window bounds it
    mentions_per_minute: int = registry.USER_MENTIONS_PER_MINUTE.default  # per person; 0: no limit
    allow: Allowlist = Allowlist(
        channels=registry.ALLOWED_CHANNELS.default,
        users=registry.ALLOWED_USERS.default,
        external_teams=registry.ALLOW_EXTERNAL_TEAMS.default,
        direct_messages=registry.ALLOW_DIRECT_MESSAGES.default,
    )
    audience: AudienceReach = AudienceReach()
    routines: RoutineSettings = RoutineSettings()
    web: WebReach = WebReach()
    mcp_servers: McpServers = registry.MCP_SERVERS.default
    # Registered keys with no attribute above, as (key, value) pairs (hashable, like the rest).
    unlisted: tuple[tuple[str, Any], ...] = ()

    def get(self, setting: Setting[T]) -> T:
        """The value of any registered settings-file key, typed by its registry entry."""
        key = setting.channel_key
        if key is None or key not in CHANNEL_SETTINGS:
            raise KeyError(f"{setting.name} is no key of the settings file")
        path = _attribute_path(key)
        if path is None:
            return dict(self.unlisted).get(key, setting.default)
        value: Any = self
        for name in path:
            value = getattr(value, name)
        return value

    def to_display(self) -> dict[str, Any]:
        """What `@assistant settings` shows: everything here is safe to show (no secrets)."""
        shown = dataclasses.asdict(self)
        del shown["unlisted"]
        shown["mcp_servers"] = self.mcp_servers.to_section()  # as the file writes them
        return _plain({**shown, **dict(self.unlisted)})


def channel_defaults(settings: Settings) -> ChannelSettings:
    """The deployment's base for every channel: the registry's defaults, and the environment's
    value of each key that has a variable (OPENAI_MODEL for `model`, ...)."""
    values = {key: setting.default for key, setting in CHANNEL_SETTINGS.items()}
    for key, setting in CHANNEL_SETTINGS.items():
        if setting.env is not None:
            values[key] = settings.get(setting)
    return _from_values(values)


@dataclasses.dataclass(frozen=True)
class Price:
    """US dollars per million tokens."""

    input_per_million: float
    output_per_million: float = 0.0


def _attribute_path(key: str) -> tuple[str, ...] | None:
    """Where ChannelSettings keeps a key: `persona.system_prompt` in persona, `model` as model,
    `limits.max_prompt_tokens` flat as max_prompt_tokens; None: in `unlisted`."""
    parts = tuple(key.split("."))
    if parts[0] in _NESTED or (len(parts) == 1 and parts[0] in _FIELDS):
        return parts
    if parts[-1] in _FIELDS and parts[-1] not in _NESTED:
        return (parts[-1],)
    return None


_FIELDS = [field.name for field in dataclasses.fields(ChannelSettings) if field.name != "unlisted"]
_NESTED: dict[str, Any] = {
    field.name: type(field.default)
    for field in dataclasses.fields(ChannelSettings)
    if dataclasses.is_dataclass(field.default) and not isinstance(field.default, McpServers)
}


def _attribute_order(key: str) -> tuple[int, ...]:
    """Keys in the order of ChannelSettings' attributes (the order people have always seen),
    a key without one last."""
    path = _attribute_path(key)
    if path is None:
        return (len(_FIELDS),)
    order = [_FIELDS.index(path[0])]
    if len(path) > 1:
        order.append([f.name for f in dataclasses.fields(_NESTED[path[0]])].index(path[1]))
    return tuple(order)


def _file_kind(kind: Any) -> Any:
    """The type a settings file writes for a registry type: lists for tuples and sets."""
    if typing.get_origin(kind) in (tuple, frozenset):
        return list
    return kind


def _section_keys() -> dict[str, Any]:
    keys: dict[str, Any] = {}
    for key in sorted(CHANNEL_SETTINGS, key=_attribute_order):
        *groups, last = key.split(".")
        section = keys
        for group in groups:
            section = section.setdefault(group, {})
        section[last] = _file_kind(CHANNEL_SETTINGS[key].kind)
    return keys


# Every key a section may hold, with its type: a nested dict is a sub-section.
SECTION_KEYS: dict[str, Any] = _section_keys()
ABSENT = object()  # what `lookup` finds where a section has no such key


def lookup(section: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    """The value at `path` in a nested section, or `ABSENT`."""
    for name in path:
        if not isinstance(section, Mapping) or name not in section:
            return ABSENT
        section = section[name]
    return section


def resolved(base: ChannelSettings, *overrides: Mapping[str, Any]) -> ChannelSettings:
    """`base` with each sparse section of overrides applied in turn, the last winning."""
    merged = _as_section(base)
    for section in overrides:
        merged = _merge(merged, section)
    return _from_section(merged)


def _as_section(settings: ChannelSettings) -> dict[str, Any]:
    """The settings as a file's section (nested by key), so overrides merge key by key."""
    section: dict[str, Any] = {}
    for key, setting in CHANNEL_SETTINGS.items():
        *groups, last = key.split(".")
        place = section
        for group in groups:
            place = place.setdefault(group, {})
        value = settings.get(setting)
        # A structured value (the MCP servers) merges as the file writes it, key by key.
        place[last] = value.to_section() if hasattr(value, "to_section") else value
    return section


def _merge(base: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overrides.items():
        under = base.get(key)
        # A name new to this section (an MCP server) starts from nothing.
        under = under if isinstance(under, dict) else {}
        merged[key] = _merge(under, value) if isinstance(value, dict) else value
    return merged


def _from_section(section: dict[str, Any]) -> ChannelSettings:
    return _from_values({key: lookup(section, tuple(key.split("."))) for key in CHANNEL_SETTINGS})


def _from_values(values: Mapping[str, Any]) -> ChannelSettings:
    """ChannelSettings from a value per registered key, each made its registry type."""
    top: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {name: {} for name in _NESTED}
    unlisted = []
    for key, value in values.items():
        value = _typed(CHANNEL_SETTINGS[key].kind, value)
        path = _attribute_path(key)
        if path is None:
            unlisted.append((key, value))
        elif len(path) == 2:
            nested[path[0]][path[1]] = value
        else:
            top[path[0]] = value
    for name, kind in _NESTED.items():
        top[name] = kind(**nested[name])
    return ChannelSettings(**top, unlisted=tuple(unlisted))


def _typed(kind: Any, value: Any) -> Any:
    if hasattr(kind, "from_section"):  # a structured value: McpServers
        return value if isinstance(value, kind) else kind.from_section(value)
    origin = typing.get_origin(kind)
    if origin is tuple:
        return tuple(value)
    if origin is frozenset:
        return frozenset(value)
    return float(value) if kind is float else value


def _plain(value: Any) -> Any:
    if hasattr(value, "to_section"):
        return _plain(value.to_section())
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(item) for item in value]
        return sorted(items) if isinstance(value, set | frozenset) else items
    return value
