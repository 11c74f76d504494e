"""Which Events API events Slack sends the app for one new message.

The app subscribes to app_mention and message.im, and (the real app does, so
`message_events` defaults on) to message.channels and message.groups. For a
message in a channel Slack then sends up to two events, each with its own
event_id: `app_mention` when the bot is mentioned, and `message` for every
message. The sandbox lists the app_mention first.
"""

from __future__ import annotations

from .directory import BOT_USER_ID, is_dm
from .envelope import app_mention_event, message_event

__all__ = ["events_for", "mentions_bot"]


def mentions_bot(message: dict) -> bool:
    return f"<@{BOT_USER_ID}>" in message.get("text", "")


def events_for(
    message: dict, channel: str, files: list[dict], *, message_events: bool
) -> list[dict]:
    """The events for a message someone other than the app posted, in delivery order."""
    if is_dm(channel):
        # message.im: one `message` event; Slack sends no app_mention in a DM.
        return [message_event(message, channel, files)]
    events = []
    if mentions_bot(message):
        events.append(app_mention_event(message, channel, files))
    if message_events:
        events.append(message_event(message, channel, files))
    return events
