"""`@assistant routines`: the routines posting into this channel and the person's own, each
with its next run and a Cancel button (the click is handled by `clicks.py`)."""

from __future__ import annotations

from slack_sdk import WebClient

from assistant.answer.commands import CommandReply, CommandRequest
from assistant.routines.actions import listing_blocks
from assistant.routines.creation import RoutineDrafts
from assistant.routines.routine import State
from assistant.routines.runner import when
from assistant.routines.stores import Routines

__all__ = ["NO_ROUTINES", "RoutinesCommand"]

NO_ROUTINES = (
    "No routines post here, and you have none. Ask me for one, e.g. `@assistant every weekday "
    "at 9:00 summarise #incidents from the last 24 hours here`."
)


class RoutinesCommand:
    name = "routines"
    summary = "list this channel's routines and yours, with their next run and a Cancel button"
    counts_toward_rate_limit = True  # it reads Slack for each channel's name

    def __init__(self, routines: Routines, drafts: RoutineDrafts, slack: WebClient) -> None:
        self._routines = routines
        self._drafts = drafts
        self._slack = slack

    def run(self, request: CommandRequest) -> CommandReply:
        mention = request.mention
        listed = self._routines.listed(
            team=mention.team_id, channel=mention.channel, user=mention.user
        )
        if not listed:
            return CommandReply(NO_ROUTINES, {"routines": 0})
        channels = tuple({c for r in listed for c in (*r.sources, r.target)})
        names = self._drafts.names(channels)
        next_runs = {
            r.id: when(r.next_run) if r.state is State.ACTIVE else f"none, {r.note or 'paused'}"
            for r in listed
        }
        blocks = listing_blocks(listed, names, next_runs)
        # The text repeats the list: what notifications and clients without blocks show.
        text = "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")
        self._slack.chat_postMessage(
            channel=mention.channel, thread_ts=mention.thread_ts, text=text, blocks=blocks
        )
        return CommandReply(
            f"*Routines* posting here or created by you: {len(listed)}, listed below.",
            {"routines": len(listed)},
        )
