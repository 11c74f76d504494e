"""A Slack thread's messages as conversation turns: what people said, attributed (pure).

The bot's own messages and the turns it already holds (questions it was asked, its answers)
are left out; everything else a thread holds, the parent included, becomes a user turn that
says who wrote it ("Alice: …"), other apps labelled as such, and files named so the model
knows they exist.

    >>> messages = [
    ...     {"ts": "1.000001", "user": "U1", "text": "The deploy failed"},
    ...     {"ts": "1.000002", "user": "UBOT", "bot_id": "B1", "text": "Thinking…"},
    ...     {"ts": "1.000003", "bot_id": "B9", "username": "ci", "subtype": "bot_message",
    ...      "text": "build 42 red"},
    ...     {"ts": "1.000004", "user": "U2", "text": "", "files": [{"name": "log.txt"}]},
    ... ]
    >>> read = [ThreadMessage.from_slack(m) for m in messages]
    >>> [m.attributed({"U1": "Alice", "U2": "Bob"}) for m in others(read, bot_user_id="UBOT")]
    ['Alice: The deploy failed', 'ci (app): build 42 red', 'Bob: [shared files: log.txt]']
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from assistant.conversation.turns import StoredTurn
from assistant.llm.models import ModelSpec
from assistant.llm.tokens import count_content

__all__ = ["ThreadMessage", "context_turns", "others", "people_in", "ts_key"]

# A human message longer than this is cut in the context (the question itself never is).
_MAX_CHARS = 8_000


@dataclasses.dataclass(frozen=True)
class ThreadMessage:
    ts: str
    user: str  # "" for some app messages
    text: str
    app_name: str = ""  # set for messages posted by an app (another bot, or this one)
    files: tuple[str, ...] = ()

    @classmethod
    def from_slack(cls, message: Mapping[str, Any]) -> ThreadMessage:
        profile = message.get("bot_profile") or {}
        is_app = bool(message.get("bot_id")) or message.get("subtype") == "bot_message"
        name = message.get("username") or profile.get("name") or "an app"
        return cls(
            ts=str(message.get("ts") or ""),
            user=str(message.get("user") or ""),
            text=str(message.get("text") or ""),
            app_name=str(name) if is_app else "",
            files=tuple(
                str(item.get("name") or item.get("title") or "a file")
                for item in message.get("files") or ()
                if isinstance(item, Mapping)
            ),
        )

    @property
    def is_app(self) -> bool:
        return bool(self.app_name)

    def attributed(self, names: Mapping[str, str]) -> str:
        author = f"{self.app_name} (app)" if self.is_app else names.get(self.user, self.user)
        text = self.text.strip()
        if len(text) > _MAX_CHARS:
            text = text[:_MAX_CHARS] + " […]"
        if self.files:
            shared = f"[shared files: {', '.join(self.files)}]"
            text = f"{text}\n{shared}" if text else shared
        return f"{author}: {text}"


def ts_key(ts: str) -> tuple[int, int]:
    """A Slack ts as a number pair: "1.5" and "1.500000" are the same moment.

    >>> ts_key("1700000000.5") == ts_key("1700000000.500000")
    True
    """
    seconds, _, fraction = ts.partition(".")
    return int(seconds or 0), int((fraction or "0").ljust(6, "0")[:6])


def others(messages: Iterable[ThreadMessage], *, bot_user_id: str) -> list[ThreadMessage]:
    """The messages not written by this bot."""
    return [m for m in messages if not (m.user and m.user == bot_user_id)]


def people_in(messages: Iterable[ThreadMessage], *, bot_user_id: str) -> set[str]:
    """Who wrote these messages: people only, never an app."""
    return {m.user for m in messages if m.user and not m.is_app and m.user != bot_user_id}


def context_turns(
    messages: Sequence[ThreadMessage],
    *,
    bot_user_id: str,
    known: frozenset[str],
    names: Mapping[str, str],
    spec: ModelSpec,
    held_through: str = "",
) -> list[StoredTurn]:
    """Turns for the messages the thread's history does not hold yet, oldest first.

    A message that mentions the bot from before the newest turn held (`held_through`) was
    asked as a question and is held as one, in or beyond the window (threads answered before
    their messages were read as context have no `read_through`).
    """
    turns = []
    mention = f"<@{bot_user_id}"
    for message in others(messages, bot_user_id=bot_user_id):
        order = f"{message.ts}:0"  # a question's own order, so it is never held twice
        if order in known or (order < held_through and mention in message.text):
            continue
        content = message.attributed(names)
        turns.append(
            StoredTurn(
                order=order,
                role="user",
                content=content,
                tokens=count_content(content, spec),
                encoding=spec.count_key,
            )
        )
    return turns
