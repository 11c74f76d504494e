"""The message that travels on the `uploads` and `mentions` topics: one mention of the bot.

It is the only contract between the functions that pass it on (ingress, files, responder), so
it is plain JSON with a version-free, additive shape: unknown keys are ignored when reading,
missing optional keys get defaults.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

from assistant.slack_ids import is_event_id, is_slack_id, is_ts, require

__all__ = ["FileRef", "Mention", "SlackFile", "message_key"]

_LEADING_MENTION = re.compile(r"^\s*<@[UW][A-Z0-9]+(?:\|[^>]*)?>")


@dataclasses.dataclass(frozen=True, kw_only=True)
class SlackFile:
    """An attachment as Slack described it in the event (before the files function ran)."""

    id: str
    name: str = ""
    mimetype: str = ""
    filetype: str = ""
    size: int = 0
    url_private_download: str = ""

    def __post_init__(self) -> None:
        require("file id", self.id, is_slack_id)
        _require_types(self, str, "name", "mimetype", "filetype", "url_private_download")
        _require_types(self, int, "size")


@dataclasses.dataclass(frozen=True, kw_only=True)
class FileRef:
    """An attachment after mirroring: where it lives and what the model can read of it."""

    file_id: str
    name: str
    mimetype: str
    gcs_uri: str = ""
    extraction_uri: str = ""  # JSON next to the file: text parts and/or an image data URL
    kind: str = ""  # "text", "image", or "" when unreadable
    problem: str = ""  # why the model cannot read it, shown to the user

    def __post_init__(self) -> None:
        # file_id names nothing here (extraction_uri is checked against the thread's prefix
        # where it is read), and refs are rebuilt from stored history: types only.
        _require_types(
            self, str, "file_id", "name", "mimetype", "gcs_uri", "extraction_uri", "kind", "problem"
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class Mention:
    event_id: str
    team_id: str
    channel: str
    user: str
    text: str
    ts: str
    thread_ts: str
    event_time: int = 0
    is_direct_message: bool = False
    files: tuple[SlackFile, ...] = ()
    file_refs: tuple[FileRef, ...] = ()
    received_at: float = 0.0  # when ingress accepted it, for latency figures
    bot_user_id: str = ""  # the bot's own user id in this workspace, from the event
    # The asker's own workspace; another one's in a shared (Slack Connect) channel.
    user_team: str = ""
    # A thread reply that did not mention the bot: answered only as a follow-up in a
    # one-person conversation with it (answer/follow_ups.py).
    follow_up: bool = False
    # Slack's token for searching as the asker (assistant.search.context), when the event
    # carried one; short-lived, and only ever sent back to Slack.
    action_token: str = ""
    # A continuation: the answer goes on after the asker approved or denied a tool call that
    # may write (assistant/approvals/); the pending call's id.
    approval: str = ""

    def __post_init__(self) -> None:
        # These name documents, ordering keys and bucket prefixes: whoever published the
        # mention, a value out of Slack's format must not address another thread's data.
        require("event_id", self.event_id, is_event_id)
        for field in ("team_id", "channel", "user"):
            require(field, getattr(self, field), is_slack_id)
        require("ts", self.ts, is_ts)
        require("thread_ts", self.thread_ts, is_ts)
        if self.bot_user_id:
            require("bot_user_id", self.bot_user_id, is_slack_id)
        if self.approval:  # it names a document
            require(
                "approval",
                self.approval,
                lambda value: str(value).isascii() and str(value).isalnum(),
            )
        _require_types(self, str, "text", "bot_user_id", "action_token", "approval")
        _require_types(self, bool, "is_direct_message", "follow_up")
        _require_types(self, int, "event_time")
        _require_types(self, (int, float), "received_at")
        _require_items(self, "files", SlackFile)
        _require_items(self, "file_refs", FileRef)

    @property
    def thread_key(self) -> str:
        """Identifies the conversation; also the Pub/Sub ordering key."""
        return f"{self.team_id}:{self.channel}:{self.thread_ts}"

    @property
    def message_key(self) -> str:
        """Identifies the Slack message: one answer per message, whichever events carry it (a
        mention in a DM arrives as both `app_mention` and `message.im`, with two event ids)."""
        return message_key(self.team_id, self.channel, self.ts)

    @property
    def question(self) -> str:
        """The text with the bot's own mentions removed; other people's stay (they are part of
        the question: "what did <@U2> mean?"). Without the bot's id only a leading mention goes."""
        if not self.bot_user_id:
            return _LEADING_MENTION.sub("", self.text).strip()
        own = re.compile(rf"<@{re.escape(self.bot_user_id)}(?:\|[^>]*)?>")
        return own.sub("", self.text).strip()

    @property
    def is_reset(self) -> bool:
        return self.question.lower().strip(" .!") == "reset"

    def to_json(self) -> bytes:
        return json.dumps(dataclasses.asdict(self), separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, data: bytes | str) -> Mention:
        """The mention a topic message carries; ValueError (InvalidId for an id out of Slack's
        format) or TypeError when it is not one, so the push is refused and dead-lettered."""
        try:
            raw = json.loads(data)
        except RecursionError:
            raise ValueError("mention JSON nested too deeply") from None
        if not isinstance(raw, dict):
            raise TypeError("a mention is a JSON object")
        values = _known(cls, raw)
        values["files"] = tuple(_build(SlackFile, item) for item in _list(raw, "files"))
        values["file_refs"] = tuple(_build(FileRef, item) for item in _list(raw, "file_refs"))
        return cls(**values)

    def with_file_refs(self, refs: tuple[FileRef, ...]) -> Mention:
        return dataclasses.replace(self, file_refs=refs)


def message_key(team_id: str, channel: str, ts: str) -> str:
    return f"{team_id}:{channel}:{ts}"


def _known(kind: type, raw: dict[str, Any]) -> dict[str, Any]:
    known = {field.name for field in dataclasses.fields(kind)}
    return {key: value for key, value in raw.items() if key in known}


def _build(kind: type, item: Any) -> Any:
    if not isinstance(item, dict):
        raise TypeError(f"each of a mention's {kind.__name__} items is a JSON object")
    return kind(**_known(kind, item))


def _list(raw: dict[str, Any], key: str) -> list[Any]:
    value = raw.get(key) or []
    if not isinstance(value, list):
        raise TypeError(f"{key} is a JSON array")
    return value


def _require_types(instance: Any, kind: type | tuple[type, ...], *fields: str) -> None:
    for field in fields:
        value = getattr(instance, field)
        # bool is an int in Python, but `"size": true` is no size.
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise TypeError(f"{field} has the wrong type")


def _require_items(instance: Any, field: str, kind: type) -> None:
    value = getattr(instance, field)
    if not isinstance(value, tuple) or not all(isinstance(item, kind) for item in value):
        raise TypeError(f"{field} must be a tuple of {kind.__name__}")
