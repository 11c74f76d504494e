"""The audience policy, every (audience, source) pair: what an answer may draw on, for whom."""

from __future__ import annotations

import pytest

from assistant.audience.facts import Audience, ConversationFacts
from assistant.audience.facts import ConversationKind as Kind
from assistant.audience.policy import (
    EVERYTHING_THE_ASKER_SEES,
    NOTES,
    PUBLIC_ONLY,
    Reach,
    Source,
    decide,
    link_verdict,
    undecided,
)

TEAM = "T1"
PARTNERS = frozenset({TEAM, "T2"})


def conversation(kind: Kind, *, id: str = "C1", shared: bool = False, team: str = TEAM):
    teams = PARTNERS if shared else frozenset({team})
    return ConversationFacts(id=id, kind=kind, team=team, shared=shared, shared_teams=teams)


AUDIENCES = {
    "bot DM": (conversation(Kind.DM, id="D1"), False),
    "public channel": (conversation(Kind.PUBLIC), False),
    "private channel": (conversation(Kind.PRIVATE), False),
    "group DM": (conversation(Kind.GROUP_DM, id="G1"), False),
    "shared channel": (conversation(Kind.PUBLIC, shared=True), False),
    "shared private channel": (conversation(Kind.PRIVATE, shared=True), False),
    "guest in a channel": (conversation(Kind.PUBLIC), True),
    "guest in the bot DM": (conversation(Kind.DM, id="D1"), True),
    "unknown conversation": (ConversationFacts(id="C1", kind=Kind.UNKNOWN), False),
}
# What each audience may draw on with no opt-ins and with an action token.
EXPECTED = {
    "bot DM": ({Source.DOCUMENTS, Source.TOOLS, Source.SLACK_SEARCH}, ""),
    "public channel": ({Source.DOCUMENTS, Source.TOOLS, Source.SLACK_SEARCH}, ""),
    "private channel": ({Source.DOCUMENTS, Source.TOOLS, Source.SLACK_SEARCH}, ""),
    "group DM": ({Source.DOCUMENTS, Source.TOOLS, Source.SLACK_SEARCH}, ""),
    "shared channel": (set(), "shared_channel"),
    "shared private channel": (set(), "shared_channel"),
    "guest in a channel": (set(), "guest"),
    "guest in the bot DM": (set(), "guest"),
    "unknown conversation": (set(), "audience_unknown"),
}


def audience(name: str, *, token: str = "tok") -> Audience:
    facts, guest = AUDIENCES[name]
    return Audience(
        conversation=facts, team=TEAM, asker="U1", asker_is_guest=guest, action_token=token
    )


@pytest.mark.parametrize("source", [Source.DOCUMENTS, Source.TOOLS, Source.SLACK_SEARCH])
@pytest.mark.parametrize("name", list(AUDIENCES))
def test_each_audience_gets_exactly_the_sources_the_policy_table_gives_it(name, source):
    decision = decide(audience(name), Reach())

    allowed, notice = EXPECTED[name]
    assert decision.permits(source) is (source in allowed)
    assert decision.notice == notice
    if not decision.permits(source):
        assert [item.reason for item in decision.left_out if item.source is source] == [notice]


@pytest.mark.parametrize("name", list(AUDIENCES))
def test_linked_slack_is_judged_per_link_so_the_source_itself_is_never_off(name):
    assert decide(audience(name), Reach()).permits(Source.LINKED_SLACK)


@pytest.mark.parametrize(
    ("name", "reach"),
    [
        ("shared channel", Reach(shared_channels=True)),
        ("shared private channel", Reach(shared_channels=True)),
        ("guest in a channel", Reach(guests=True)),
        ("guest in the bot DM", Reach(guests=True)),
    ],
)
def test_a_channel_that_opts_in_gets_documents_search_and_tools_back(name, reach):
    decision = decide(audience(name), reach)

    assert {Source.DOCUMENTS, Source.TOOLS, Source.SLACK_SEARCH} <= decision.allowed
    assert decision.notice == "" and decision.left_out == ()


def test_opting_in_shared_channels_does_not_opt_in_their_guests():
    facts = conversation(Kind.PUBLIC, shared=True)
    guest = Audience(conversation=facts, team=TEAM, asker="U1", asker_is_guest=True)

    decision = decide(guest, Reach(shared_channels=True))

    assert not decision.permits(Source.DOCUMENTS) and decision.notice == "guest"


@pytest.mark.parametrize(
    ("name", "types"),
    [
        ("bot DM", EVERYTHING_THE_ASKER_SEES),
        ("public channel", PUBLIC_ONLY),
        ("private channel", PUBLIC_ONLY),
        ("group DM", PUBLIC_ONLY),
        ("shared channel", ()),
        ("guest in a channel", ()),
    ],
)
def test_slack_search_reaches_what_the_asker_sees_only_in_the_bots_dm(name, types):
    assert decide(audience(name), Reach()).search_channel_types == types


@pytest.mark.parametrize("name", ["bot DM", "public channel"])
def test_without_an_action_token_slack_search_is_not_offered_and_nobody_is_told(name):
    decision = decide(audience(name, token=""), Reach())

    assert not decision.permits(Source.SLACK_SEARCH) and decision.search_channel_types == ()
    assert decision.notice == ""
    assert [(i.source, i.reason) for i in decision.left_out] == [
        (Source.SLACK_SEARCH, "no_action_token")
    ]


def test_before_the_audience_is_known_only_what_anyone_may_see():
    decision = undecided()

    assert decision.allowed == {Source.LINKED_SLACK}


LINKED = {
    "the same conversation": conversation(Kind.PRIVATE, id="HERE"),
    "a public channel": conversation(Kind.PUBLIC, id="C9"),
    "a private channel": conversation(Kind.PRIVATE, id="C9"),
    "a DM": conversation(Kind.DM, id="D9"),
    "a group DM": conversation(Kind.GROUP_DM, id="G9"),
    "another workspace's public channel": conversation(Kind.PUBLIC, id="C9", team="T2"),
    "a channel shared with the same teams": conversation(Kind.PUBLIC, id="C9", shared=True),
    "a conversation the bot cannot read": ConversationFacts(id="C9", kind=Kind.UNKNOWN),
}
ASKED_IN = {
    "a private channel": (conversation(Kind.PRIVATE, id="HERE"), False),
    "the bot DM": (conversation(Kind.DM, id="HERE"), False),
    "a shared channel": (conversation(Kind.PUBLIC, id="HERE", shared=True), False),
    "a channel, by a guest": (conversation(Kind.PUBLIC, id="HERE"), True),
}
# (asked in, linked) -> the reason; every pair not listed is refused.
ALLOWED_LINKS = {
    ("a private channel", "the same conversation"): "same_conversation",
    ("a private channel", "a public channel"): "public_channel",
    ("a private channel", "a channel shared with the same teams"): "public_channel",
    ("the bot DM", "the same conversation"): "same_conversation",
    ("the bot DM", "a public channel"): "public_channel",
    ("the bot DM", "a channel shared with the same teams"): "public_channel",
    ("a shared channel", "the same conversation"): "same_conversation",
    ("a shared channel", "a channel shared with the same teams"): "public_channel",
    ("a channel, by a guest", "the same conversation"): "same_conversation",
}


@pytest.mark.parametrize("linked", list(LINKED))
@pytest.mark.parametrize("asked_in", list(ASKED_IN))
def test_a_link_is_read_only_where_its_readers_could_read_it_anyway(asked_in, linked):
    facts, guest = ASKED_IN[asked_in]
    decision = decide(
        Audience(conversation=facts, team=TEAM, asker="U1", asker_is_guest=guest), Reach()
    )

    verdict = link_verdict(decision, LINKED[linked])

    expected = ALLOWED_LINKS.get((asked_in, linked))
    assert verdict.allowed is (expected is not None)
    if expected:
        assert verdict.reason == expected and verdict.note == ""
    else:
        assert verdict.note in (NOTES["refused_link"], NOTES["unreadable"])


def test_a_refused_link_never_says_what_the_conversation_is():
    here = Audience(conversation=conversation(Kind.PUBLIC, id="HERE"), team=TEAM, asker="U1")
    decision = decide(here, Reach())

    notes = {link_verdict(decision, LINKED[name]).note for name in ("a private channel", "a DM")}

    assert notes == {"I can't read that conversation here."}


def test_a_guest_may_follow_links_to_public_channels_when_the_channel_opts_in():
    facts = conversation(Kind.PUBLIC, id="HERE")
    guest = Audience(conversation=facts, team=TEAM, asker="U1", asker_is_guest=True)

    verdict = link_verdict(decide(guest, Reach(guests=True)), LINKED["a public channel"])

    assert verdict.allowed
