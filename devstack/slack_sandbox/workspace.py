"""Workspace state: messages per conversation, files, and every change to them.

Plain data and synchronous methods; callers (the HTTP layers) decide who may do
what. Each change is reported to `on_change(kind, payload)` so the server can
persist it and push it to `/_sandbox/stream` listeners.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .api_error import ApiError
from .directory import BOTS, CHANNELS, TEAM_ID

__all__ = ["Workspace"]

ChangeListener = Callable[[str, dict], None]
# Message fields that Slack would never return; only the admin views show them.
INTERNAL_FIELDS = (
    "channel",
    "updates",
    "update_times",
    "appends",
    "stream_state",
    "stream_mode",
    "chunks",
)


def author_user_id(message: dict) -> str | None:
    """Who wrote a message: its `user`, or for a bot_message the user of its bot."""
    if message.get("user"):
        return message["user"]
    return BOTS.get(message.get("bot_id", ""), {}).get("user_id")


def format_ts(micros: int) -> str:
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def parse_ts(ts: str) -> int:
    seconds, _, fraction = ts.partition(".")
    return int(seconds) * 1_000_000 + int((fraction or "0").ljust(6, "0")[:6])


class Workspace:
    def __init__(self, *, clock: Callable[[], float] = time.time):
        self._clock = clock
        self._listeners: list[ChangeListener] = []
        self.messages: dict[str, list[dict]] = {channel: [] for channel in CHANNELS}
        self.files: dict[str, dict] = {}
        self.uploads: dict[str, str] = {}
        self.last_ts = 0
        # DM -> its suggested prompts (assistant_methods.py); not saved, like a status.
        self.suggested_prompts: dict[str, dict] = {}

    # -- change reporting -------------------------------------------------

    def subscribe(self, listener: ChangeListener) -> None:
        self._listeners.append(listener)

    def emit(self, kind: str, payload: dict) -> None:
        for listener in self._listeners:
            listener(kind, payload)

    # -- persistence --------------------------------------------------------

    def snapshot(self) -> dict:
        return {
            "messages": self.messages,
            "files": self.files,
            "uploads": self.uploads,
            "last_ts": self.last_ts,
        }

    def restore(self, data: dict) -> None:
        self.messages = {channel: [] for channel in CHANNELS}
        self.messages.update(data.get("messages", {}))
        self.files = data.get("files", {})
        self.uploads = data.get("uploads", {})
        self.last_ts = data.get("last_ts", 0)

    def reset(self) -> None:
        self.suggested_prompts.clear()
        self.restore({"last_ts": self.last_ts})
        self.emit("reset", {})

    # -- lookups --------------------------------------------------------------

    def next_ts(self) -> str:
        """Slack-style ts: microseconds since the epoch, strictly increasing."""
        self.last_ts = max(int(self._clock() * 1_000_000), self.last_ts + 1)
        return format_ts(self.last_ts)

    def now(self) -> float:
        return self._clock()

    def conversation(self, channel: str) -> list[dict]:
        if channel not in self.messages:
            raise ApiError("channel_not_found")
        return self.messages[channel]

    def find(self, channel: str, ts: str) -> dict:
        for message in self.conversation(channel):
            if message["ts"] == ts:
                return message
        raise ApiError("message_not_found")

    def thread(self, channel: str, thread_ts: str) -> list[dict]:
        """Parent first, then replies in order; [] when there is no such message."""
        return [
            m
            for m in self.conversation(channel)
            if m["ts"] == thread_ts or m.get("thread_ts") == thread_ts
        ]

    def top_level(self, channel: str) -> list[dict]:
        return [
            m
            for m in self.conversation(channel)
            if m.get("thread_ts") in (None, m["ts"]) or m.get("subtype") == "thread_broadcast"
        ]

    # -- changes --------------------------------------------------------------

    def post(self, channel: str, fields: dict, *, thread_ts: str | None = None) -> dict:
        """Add a message; `fields` holds user/bot_id/text/blocks/... as Slack names them."""
        conversation = self.conversation(channel)
        parent = None
        if thread_ts:
            # Real Slack may accept an unknown thread_ts and show nothing; the
            # sandbox refuses so that such bugs surface.
            parent = next((m for m in conversation if m["ts"] == thread_ts), None)
            if parent is None:
                raise ApiError("thread_not_found")
            # Replying to a reply lands in the root thread, as in Slack.
            if parent.get("thread_ts") and parent["thread_ts"] != parent["ts"]:
                parent = self.find(channel, parent["thread_ts"])
        message = {"type": "message", "ts": self.next_ts(), "team": TEAM_ID, **fields}
        message["channel"] = channel
        message.setdefault("updates", 0)
        message.setdefault("update_times", [])
        if parent is not None:
            message["thread_ts"] = parent["ts"]
            message["parent_user_id"] = author_user_id(parent)
        conversation.append(message)
        if parent is not None:
            self._refresh_replies(channel, parent)
        self.emit("message_posted", {"channel": channel, "message": message})
        return message

    def update(self, channel: str, ts: str, changes: dict, *, counts_as_edit: bool = True) -> dict:
        message = self.find(channel, ts)
        message.update(changes)
        for key in [k for k, v in changes.items() if v is None]:
            del message[key]
        if counts_as_edit:
            message["updates"] += 1
            message["update_times"].append(self._clock())
        self.emit("message_updated", {"channel": channel, "message": message})
        return message

    def append_stream(self, channel: str, ts: str, markdown: str, chunks: list) -> dict:
        message = self.find(channel, ts)
        message["markdown_text"] = message.get("markdown_text", "") + markdown
        message["text"] = message["markdown_text"]
        message.setdefault("chunks", []).extend(chunks)
        message["appends"] = message.get("appends", 0) + 1
        self.emit(
            "stream_appended",
            {"channel": channel, "ts": ts, "markdown_text": markdown, "message": message},
        )
        return message

    def delete(self, channel: str, ts: str) -> None:
        message = self.find(channel, ts)
        conversation = self.conversation(channel)
        if message.get("reply_count"):
            # Slack keeps a placeholder so the thread's replies stay reachable.
            for key in ("bot_id", "app_id", "blocks", "markdown_text", "files", "attachments"):
                message.pop(key, None)
            message.update(subtype="tombstone", text="This message was deleted.", hidden=True)
            message["user"] = "USLACKBOT"
        else:
            conversation.remove(message)
            root_ts = message.get("thread_ts")
            if root_ts and root_ts != ts:
                self._refresh_replies(channel, self.find(channel, root_ts))
        self.emit("message_deleted", {"channel": channel, "ts": ts})

    def react(self, channel: str, ts: str, name: str, user: str, *, add: bool) -> dict:
        message = self.find(channel, ts)
        reactions = message.setdefault("reactions", [])
        entry = next((r for r in reactions if r["name"] == name), None)
        if add:
            if entry and user in entry["users"]:
                raise ApiError("already_reacted")
            if entry is None:
                entry = {"name": name, "users": [], "count": 0}
                reactions.append(entry)
            entry["users"].append(user)
        else:
            if entry is None or user not in entry["users"]:
                raise ApiError("no_reaction")
            entry["users"].remove(user)
            if not entry["users"]:
                reactions.remove(entry)
        if entry is not None:
            entry["count"] = len(entry["users"])
        self.emit("reaction_changed", {"channel": channel, "ts": ts, "reactions": reactions})
        return message

    def _refresh_replies(self, channel: str, parent: dict) -> None:
        replies = [m for m in self.thread(channel, parent["ts"]) if m is not parent]
        # A bot_message has no `user`: Slack's docs warn reply_users then holds its bot ID.
        authors = (m.get("user") or m.get("bot_id") for m in replies)
        users = list(dict.fromkeys(a for a in authors if a))
        parent["thread_ts"] = parent["ts"]
        parent["reply_count"] = len(replies)
        parent["reply_users"] = users
        parent["reply_users_count"] = len(users)
        parent["latest_reply"] = replies[-1]["ts"] if replies else parent["ts"]
        parent.setdefault("is_locked", False)
        parent.setdefault("subscribed", False)
