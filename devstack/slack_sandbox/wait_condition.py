"""The conditions `/_sandbox/wait` can wait for, checked against current state."""

from __future__ import annotations

from dataclasses import dataclass

from .directory import BOT_ID

__all__ = ["WaitCondition"]

MAX_TIMEOUT = 300.0


def _int(query, name: str) -> int | None:
    return int(query[name]) if query.get(name) not in (None, "") else None


@dataclass(frozen=True)
class WaitCondition:
    """All given parts must hold at once.

    channel/thread_ts pick the messages looked at (a thread = parent + replies).
    min_replies: replies in the thread (or messages in the channel without thread_ts).
    min_bot_messages: the app's (B0BOT's) messages among them. bot_text_contains: one
    of the app's messages contains it. stream_stopped: no bot message among them is still streaming.
    event_id + min_deliveries: delivery attempts recorded for that event.
    """

    channel: str | None = None
    thread_ts: str | None = None
    min_replies: int | None = None
    min_bot_messages: int | None = None
    bot_text_contains: str | None = None
    stream_stopped: bool = False
    event_id: str | None = None
    min_deliveries: int | None = None
    timeout: float = 10.0

    @classmethod
    def parse(cls, query) -> WaitCondition:
        condition = cls(
            channel=query.get("channel") or None,
            thread_ts=query.get("thread_ts") or None,
            min_replies=_int(query, "min_replies"),
            min_bot_messages=_int(query, "min_bot_messages"),
            bot_text_contains=query.get("bot_text_contains") or None,
            stream_stopped=str(query.get("stream_stopped", "")).lower() in ("1", "true"),
            event_id=query.get("event_id") or None,
            min_deliveries=_int(query, "min_deliveries"),
            timeout=min(float(query.get("timeout") or 10.0), MAX_TIMEOUT),
        )
        needs_channel = (
            condition.min_replies,
            condition.min_bot_messages,
            condition.bot_text_contains,
            condition.stream_stopped or None,
        )
        if condition.channel is None and any(p is not None for p in needs_channel):
            raise ValueError("channel is required for message conditions")
        return condition

    def holds(self, messages: list[dict], deliveries: list[dict]) -> bool:
        """`messages`: those of channel/thread_ts, parent first; `deliveries`: of event_id."""
        # The app's own messages: another bot's (deploybot's) must not end a wait for an answer.
        bots = [m for m in messages if m.get("bot_id") == BOT_ID]
        if self.min_replies is not None:
            replies = len(messages) - 1 if self.thread_ts else len(messages)
            if replies < self.min_replies:
                return False
        if self.min_bot_messages is not None and len(bots) < self.min_bot_messages:
            return False
        if self.bot_text_contains is not None and not any(
            self.bot_text_contains in (m.get("text") or "") for m in bots
        ):
            return False
        if self.stream_stopped and any(m.get("stream_state") == "streaming" for m in bots):
            return False
        return self.min_deliveries is None or len(deliveries) >= self.min_deliveries
