"""Publishing a mention, unbatched, against the real Pub/Sub emulator: what arrives, in which
order, and how fast a publish that cannot succeed gives up (ingress then answers 500)."""

from __future__ import annotations

import os
import time

import pytest
from google.api_core import exceptions

from assistant.mention import Mention
from assistant.pubsub import publish
from assistant.pubsub.publish import publish_mention
from devstack.emulators import start_pubsub
from devstack.pubsub_wiring import emulator_clients
from devstack.stack import REPO_ROOT
from tests.builders import make_mention

PROJECT = "publish-project"


@pytest.fixture(scope="module")
def pubsub():
    process, host = start_pubsub(REPO_ROOT / "build" / "integration-logs", project=PROJECT)
    previous = os.environ.get("PUBSUB_EMULATOR_HOST")
    os.environ["PUBSUB_EMULATOR_HOST"] = host
    publisher, subscriber = emulator_clients(host)
    topic = publisher.topic_path(PROJECT, "mentions")
    publisher.create_topic(name=topic)
    subscription = subscriber.subscription_path(PROJECT, "mentions-ordered")
    subscriber.create_subscription(
        request={"name": subscription, "topic": topic, "enable_message_ordering": True}
    )
    publish._client.cache_clear()  # the process-wide client must talk to this emulator
    try:
        yield subscriber, subscription
    finally:
        publish._client.cache_clear()  # and later tests' publishers to theirs
        if previous is None:
            os.environ.pop("PUBSUB_EMULATOR_HOST", None)
        else:
            os.environ["PUBSUB_EMULATOR_HOST"] = previous
        process.stop()


def pull(subscriber, subscription, count: int) -> list:
    received, deadline = [], time.monotonic() + 30
    while len(received) < count and time.monotonic() < deadline:
        answer = subscriber.pull(subscription=subscription, max_messages=count, timeout=5)
        if answer.received_messages:
            subscriber.acknowledge(
                subscription=subscription, ack_ids=[m.ack_id for m in answer.received_messages]
            )
        received += [m.message for m in answer.received_messages]
    return received


def test_mentions_arrive_whole_with_their_thread_as_ordering_key_and_in_order(pubsub):
    subscriber, subscription = pubsub
    threads = ("1.000100", "2.000200")
    sent = [
        make_mention(event_id=f"Ev{n:04d}", ts=f"{thread[0]}.{n:06d}", thread_ts=thread)
        for n in range(12)
        for thread in threads
    ]
    ids = [publish_mention(project=PROJECT, topic="mentions", mention=m) for m in sent]

    received = pull(subscriber, subscription, len(sent))

    assert sorted(m.message_id for m in received) == sorted(ids)
    for thread in threads:
        key = f"T1:C1:{thread}"
        in_thread = [m for m in received if m.ordering_key == key]
        assert [Mention.from_json(m.data) for m in in_thread] == [
            m for m in sent if m.thread_key == key
        ]
        for message in in_thread:
            assert message.attributes["event_id"] == Mention.from_json(message.data).event_id


def test_a_publish_that_cannot_succeed_fails_within_slacks_ack_deadline(pubsub):
    started = time.monotonic()
    with pytest.raises(exceptions.NotFound):
        publish_mention(project=PROJECT, topic="no-such-topic", mention=make_mention())
    assert time.monotonic() - started < 2.5
