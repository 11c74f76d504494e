"""The audience policy: what each source may contribute to an answer, for who will read it.

The one place that decides (pure). The responder's `AudienceStep` asks it once per answer
(`decide`), the tools are filtered by its answer in `AnswerTools.choose`, and every linked
Slack conversation is judged by `link_verdict` before a word of it is read.

    source          bot's DM             channel, group DM   shared channel   guest asker
    documents       yes                  yes                 opt-in (1)       opt-in (2)
    tools           yes                  yes                 opt-in (1)       opt-in (2)
    Slack search    what the asker sees  public channels     opt-in (1)       opt-in (2)
    linked Slack    the same conversation, or a public channel of this workspace; into a
                    shared channel only from itself or one shared with the same teams;
                    for a guest only with opt-in (2)

(1) `audience.shared_channels` in config/assistant.yaml, (2) `audience.guests`.
Slack search needs the event's action token; without one it is never offered. A conversation
whose facts Slack would not give counts as shared: what cannot be known is not risked.

    >>> from assistant.audience.facts import ConversationFacts, ConversationKind as Kind
    >>> channel = ConversationFacts(id="C1", kind=Kind.PUBLIC, team="T1", shared=True)
    >>> decision = decide(Audience(conversation=channel, team="T1", asker="U1"), Reach())
    >>> decision.permits(Source.DOCUMENTS), decision.notice
    (False, 'shared_channel')
"""

from __future__ import annotations

import dataclasses
import enum

from assistant.audience.facts import (
    UNKNOWN_CONVERSATION,
    Audience,
    ConversationFacts,
    ConversationKind,
)
from assistant.channels.settings import AudienceReach as Reach

__all__ = [
    "NOTES",
    "AudienceDecision",
    "LeftOut",
    "LinkVerdict",
    "Reach",
    "Source",
    "decide",
    "link_verdict",
    "undecided",
]

PUBLIC_ONLY = ("public_channel",)
EVERYTHING_THE_ASKER_SEES = ("public_channel", "private_channel", "mpim", "im")


class Source(enum.Enum):
    LINKED_SLACK = "linked_slack"  # messages a permalink points at (question, read_slack_link)
    SLACK_SEARCH = "slack_search"  # search_slack (assistant.search.context)
    DOCUMENTS = "documents"  # the passages sent with the question, and search_docs
    TOOLS = "tools"  # every other tool: run_python, and those still to come


@dataclasses.dataclass(frozen=True)
class LeftOut:
    source: Source
    reason: str  # for the logs and the What happened panel; never shown in the answer


# What the person is told, by reason: once per thread for a whole source, per link for a link.
# A refused link never says why (the reason itself would tell what the conversation is).
NOTES = {
    "shared_channel": "This channel is shared with another organisation, so I answer here "
    "without our documents, Slack search or tools (the channel's settings can allow them).",
    "guest": "You are a guest in this workspace, so I answer without our documents, Slack "
    "search or tools (the channel's settings can allow them).",
    "audience_unknown": "I could not tell who can see this conversation, so I answer without "
    "our documents, Slack search or tools.",
    "refused_link": "I can't read that conversation here.",
    "unreadable": "I can't read that conversation: I'm not in it, or it does not exist.",
    "deleted": "I can't find that message: it may have been deleted.",
    "malformed": "That Slack link is not one I can read.",
}
_REFUSED_LINK = frozenset({"other_workspace", "private_elsewhere", "into_shared", "guest"})


@dataclasses.dataclass(frozen=True, kw_only=True)
class AudienceDecision:
    audience: Audience
    reach: Reach = dataclasses.field(default_factory=Reach)
    allowed: frozenset[Source] = frozenset()
    left_out: tuple[LeftOut, ...] = ()
    search_channel_types: tuple[str, ...] = ()  # what search_slack asks for; () when it may not
    notice: str = ""  # the reason said once per thread (a NOTES key), "" when nothing is off

    def permits(self, source: Source) -> bool:
        return source in self.allowed

    def to_log(self) -> dict[str, object]:
        conversation = self.audience.conversation
        return {
            "conversation": conversation.kind.value,
            "shared": conversation.shared,
            "guest": self.audience.asker_is_guest,
            "allowed": sorted(source.value for source in self.allowed),
            "left_out": [f"{item.source.value}: {item.reason}" for item in self.left_out],
            "search_channel_types": list(self.search_channel_types),
        }


@dataclasses.dataclass(frozen=True)
class LinkVerdict:
    allowed: bool
    reason: str  # why (logged); `note` is what the person reads when it is refused

    @property
    def note(self) -> str:
        if self.allowed:
            return ""
        return NOTES["refused_link" if self.reason in _REFUSED_LINK else self.reason]


def _restriction(audience: Audience, reach: Reach) -> str:
    """Why documents, Slack search and tools are off for this audience, or ""."""
    conversation = audience.conversation
    if not conversation.known:
        return "audience_unknown"
    if conversation.shared and not reach.shared_channels:
        return "shared_channel"
    if audience.asker_is_guest and not reach.guests:
        return "guest"
    return ""


def decide(audience: Audience, reach: Reach) -> AudienceDecision:
    """What each source may contribute to an answer read by `audience`."""
    restriction = _restriction(audience, reach)
    allowed = {Source.LINKED_SLACK}  # each link is judged on its own (`link_verdict`)
    left_out: list[LeftOut] = []
    for source in (Source.DOCUMENTS, Source.TOOLS, Source.SLACK_SEARCH):
        if restriction:
            left_out.append(LeftOut(source, restriction))
        elif source is Source.SLACK_SEARCH and not audience.action_token:
            left_out.append(LeftOut(source, "no_action_token"))
        else:
            allowed.add(source)
    types: tuple[str, ...] = ()
    if Source.SLACK_SEARCH in allowed:
        types = EVERYTHING_THE_ASKER_SEES if audience.is_bot_dm else PUBLIC_ONLY
    return AudienceDecision(
        audience=audience,
        reach=reach,
        allowed=frozenset(allowed),
        left_out=tuple(left_out),
        search_channel_types=types,
        notice=restriction,
    )


def link_verdict(decision: AudienceDecision, linked: ConversationFacts) -> LinkVerdict:
    """May content of `linked` be shown to this answer's audience?"""
    audience, here = decision.audience, decision.audience.conversation
    if linked.known and linked.id == here.id:
        return LinkVerdict(True, "same_conversation")  # everyone here can read it already
    if not linked.known:
        return LinkVerdict(False, "unreadable")
    if linked.team != audience.team:
        return LinkVerdict(False, "other_workspace")
    if linked.kind is not ConversationKind.PUBLIC:
        return LinkVerdict(False, "private_elsewhere")
    if (here.shared or not here.known) and not (
        linked.shared and linked.shared_teams == here.shared_teams
    ):
        return LinkVerdict(False, "into_shared")
    if audience.asker_is_guest and not decision.reach.guests:
        return LinkVerdict(False, "guest")
    return LinkVerdict(True, "public_channel")


def recap_verdict(*, source: ConversationFacts, target: ConversationFacts) -> LinkVerdict:
    """May a recap of `source` be posted into `target` (a routine)? It repeats what was said
    there to everyone who reads the target: never from a private channel, a DM or a group DM
    into any other conversation, never into a shared channel from one not shared with the same
    organisations, and nothing Slack would not describe."""
    if not source.known or not target.known:
        return LinkVerdict(False, "unknown")
    if source.id == target.id:
        return LinkVerdict(True, "same_conversation")
    if source.kind in (ConversationKind.DM, ConversationKind.GROUP_DM):
        return LinkVerdict(False, "direct_message")
    if source.kind is ConversationKind.PRIVATE:
        # Its members are not the target's: a public target is everyone, a DM or another
        # private channel is other people again.
        public = target.kind is ConversationKind.PUBLIC
        return LinkVerdict(False, "private_into_public" if public else "private_elsewhere")
    if target.shared and not (source.shared and source.shared_teams == target.shared_teams):
        return LinkVerdict(False, "into_shared")
    return LinkVerdict(True, "public_channel")


def undecided() -> AudienceDecision:
    """Before the audience is known: nothing but what every reader may see."""
    unknown = Audience(conversation=UNKNOWN_CONVERSATION, team="", asker="")
    return decide(unknown, Reach())
