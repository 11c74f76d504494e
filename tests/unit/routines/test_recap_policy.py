"""Whose messages a recap may repeat where: decided before a routine is saved."""

from __future__ import annotations

import pytest

from assistant.routines.recap_policy import Conversation, Kind, conversation, recap_verdict

PUBLIC = Conversation(id="C1", kind=Kind.PUBLIC)
OTHER_PUBLIC = Conversation(id="C2", kind=Kind.PUBLIC)
PRIVATE = Conversation(id="G1", kind=Kind.PRIVATE)
DM = Conversation(id="D1", kind=Kind.DM)
GROUP_DM = Conversation(id="G2", kind=Kind.GROUP_DM)
SHARED = Conversation(id="C9", kind=Kind.PUBLIC, shared=True, shared_teams=frozenset({"T1", "T2"}))
UNKNOWN = Conversation(id="", kind=Kind.UNKNOWN)


@pytest.mark.parametrize(
    ("source", "target", "reason"),
    [
        (PRIVATE, PUBLIC, "private_into_public"),
        (PRIVATE, DM, "private_elsewhere"),
        (PUBLIC, SHARED, "into_shared"),
        (DM, PUBLIC, "direct_message"),
        (GROUP_DM, DM, "direct_message"),
        (UNKNOWN, PUBLIC, "unknown"),
        (PUBLIC, UNKNOWN, "unknown"),
    ],
)
def test_a_recap_that_would_reach_other_people_is_refused(source, target, reason):
    verdict = recap_verdict(source=source, target=target)
    assert (verdict.allowed, verdict.reason) == (False, reason)


@pytest.mark.parametrize(
    ("source", "target"),
    [(PUBLIC, OTHER_PUBLIC), (PUBLIC, DM), (PUBLIC, PRIVATE), (PRIVATE, PRIVATE), (DM, DM),
     (GROUP_DM, GROUP_DM), (SHARED, SHARED), (SHARED, PUBLIC)],
)  # fmt: skip
def test_a_recap_into_the_same_audience_or_a_narrower_one_is_allowed(source, target):
    assert recap_verdict(source=source, target=target).allowed


def test_conversation_facts_read_the_most_restrictive_way():
    assert conversation({"id": "C1", "is_channel": True, "is_private": False}).kind is Kind.PUBLIC
    assert conversation({"id": "C1", "is_channel": True}).kind is Kind.PRIVATE
    assert conversation({"id": "D1", "is_im": True}).kind is Kind.DM
    assert conversation({}).kind is Kind.UNKNOWN
    shared = conversation({"id": "C1", "name": "x", "is_private": False, "is_ext_shared": True})
    assert shared.shared
