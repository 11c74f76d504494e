"""The audience's facts from Slack: read once per TTL, and the most restrictive when unknown."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from assistant.audience.facts import ConversationKind
from assistant.audience.lookup import AudienceLookup
from tests.builders import make_mention


class FakeSlack:
    """conversations.info and users.info answers, counting the calls."""

    def __init__(self, channel: dict | None, user: dict | None) -> None:
        self.channel, self.user, self.calls = channel, user, []

    def conversations_info(self, *, channel):
        self.calls.append(("conversations.info", channel))
        if self.channel is None:
            raise SlackApiError("no", {"ok": False, "error": "channel_not_found"})
        return {"ok": True, "channel": self.channel}

    def users_info(self, *, user):
        self.calls.append(("users.info", user))
        if self.user is None:
            raise SlackApiError("no", {"ok": False, "error": "user_not_found"})
        return {"ok": True, "user": self.user}


PUBLIC = {"id": "C1", "is_channel": True, "is_private": False, "context_team_id": "T1"}
MEMBER = {"id": "U1", "is_restricted": False, "is_ultra_restricted": False}


def test_facts_are_read_once_per_ttl_then_again():
    now = [0.0]
    slack = FakeSlack(PUBLIC, MEMBER)
    lookup = AudienceLookup(slack, ttl_seconds=60, clock=lambda: now[0])  # type: ignore[arg-type]
    mention = make_mention(channel="C1", user="U1", team_id="T1")

    lookup.audience(mention)
    lookup.audience(mention)
    now[0] = 61.0
    audience = lookup.audience(mention)

    assert len(slack.calls) == 4
    assert audience.conversation.kind is ConversationKind.PUBLIC
    assert not audience.asker_is_guest


def test_what_slack_will_not_say_reads_as_the_most_restrictive_audience():
    lookup = AudienceLookup(FakeSlack(None, None))  # type: ignore[arg-type]

    audience = lookup.audience(make_mention(channel="C1", user="U1", team_id="T1"))

    assert audience.conversation.kind is ConversationKind.UNKNOWN
    assert audience.asker_is_guest


def test_single_channel_guests_and_connect_channels_are_recognised():
    shared = {**PUBLIC, "is_ext_shared": True, "shared_team_ids": ["T1", "T2"]}
    guest = {**MEMBER, "is_ultra_restricted": True}
    lookup = AudienceLookup(FakeSlack(shared, guest))  # type: ignore[arg-type]

    audience = lookup.audience(make_mention(channel="C1", user="U1", team_id="T1"))

    assert audience.conversation.shared and audience.asker_is_guest


def test_someone_from_another_organisation_makes_the_conversation_shared():
    lookup = AudienceLookup(FakeSlack(PUBLIC, MEMBER))  # type: ignore[arg-type]
    mention = make_mention(channel="C1", user="U1", team_id="T1", user_team="T2")

    assert lookup.audience(mention).conversation.shared
