"""The message that travels on the `uploads` and `mentions` topics: one mention of the bot.

It is the only contract between the three functions, so it is plain JSON with a version-free,
additive shape: unknown keys are ignored when reading, missing optional keys get defaults.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

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
        raw: dict[str, Any] = json.loads(data)
        known = {field.name for field in dataclasses.fields(cls)}
        values = {key: value for key, value in raw.items() if key in known}
        values["files"] = tuple(_build(SlackFile, item) for item in raw.get("files", ()))
        values["file_refs"] = tuple(_build(FileRef, item) for item in raw.get("file_refs", ()))
        return cls(**values)

    def with_file_refs(self, refs: tuple[FileRef, ...]) -> Mention:
        return dataclasses.replace(self, file_refs=refs)


def message_key(team_id: str, channel: str, ts: str) -> str:
    return f"{team_id}:{channel}:{ts}"


def _build(kind: type, item: dict[str, Any]) -> Any:
    known = {field.name for field in dataclasses.fields(kind)}
    return kind(**{key: value for key, value in item.items() if key in known})
