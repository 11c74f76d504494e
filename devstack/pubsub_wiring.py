"""Topics and push subscriptions on the Pub/Sub emulator, wired as Terraform wires them in GCP.

The topics, paths and ordering are assistant/topics.py's. Push (not pull) with a retry policy,
as in production, but without the dead-letter policy. The emulator honours ordering and
redelivery, but in push mode it neither sends `deliveryAttempt` nor forwards to the dead-letter
topic: when a message reaches the attempt limit its push thread dies (a NullPointerException in
MessageBacklog.pull, seen in the soak), and nothing on that subscription is pushed again. So
locally a message is redelivered until it is acked, and the responder's own attempt count on
its claim decides when to tell the person and file the dead letter itself (docs/design.md,
"Dead letters filed explicitly"). The dead-letter topics and their subscriptions exist, so those
filed dead letters can be read.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping

import grpc
from google.api_core.exceptions import AlreadyExists
from google.cloud import pubsub_v1
from google.protobuf import duration_pb2
from google.pubsub_v1.services.publisher.transports import PublisherGrpcTransport
from google.pubsub_v1.services.subscriber.transports import SubscriberGrpcTransport

from assistant.topics import Topic

__all__ = ["dead_letter_subscription", "emulator_clients", "wire_topics"]

PUSH_ACK_DEADLINE_SECONDS = 600  # matches the functions' timeout in Terraform


def emulator_clients(host: str) -> tuple[pubsub_v1.PublisherClient, pubsub_v1.SubscriberClient]:
    publisher = pubsub_v1.PublisherClient(
        transport=PublisherGrpcTransport(channel=grpc.insecure_channel(host))
    )
    subscriber = pubsub_v1.SubscriberClient(
        transport=SubscriberGrpcTransport(channel=grpc.insecure_channel(host))
    )
    return publisher, subscriber


def dead_letter_subscription(topic: str) -> str:
    return f"{topic}-dead-letter-sub"


def wire_topics(
    *,
    project: str,
    pubsub_host: str,
    push_endpoints: Mapping[Topic, str],
    min_backoff: float,
    max_backoff: float,
) -> None:
    """Each topic of assistant/topics.py given an endpoint URL, with its dead-letter topic."""
    publisher, subscriber = emulator_clients(pubsub_host)
    for topic, endpoint in push_endpoints.items():
        topic_path = publisher.topic_path(project, topic.name)
        dead_letter_path = publisher.topic_path(project, topic.dead_letter)
        for path in (topic_path, dead_letter_path):
            with contextlib.suppress(AlreadyExists):
                publisher.create_topic(name=path)
        _create_subscription(
            subscriber,
            name=subscriber.subscription_path(project, dead_letter_subscription(topic.name)),
            topic=dead_letter_path,
        )
        _create_subscription(
            subscriber,
            name=subscriber.subscription_path(project, f"{topic.name}-push"),
            topic=topic_path,
            push_config={"push_endpoint": endpoint},
            enable_message_ordering=topic.ordered_subscription,
            ack_deadline_seconds=PUSH_ACK_DEADLINE_SECONDS,
            retry_policy={
                "minimum_backoff": _duration(min_backoff),
                "maximum_backoff": _duration(max_backoff),
            },
        )


def _create_subscription(subscriber: pubsub_v1.SubscriberClient, **request: object) -> None:
    with contextlib.suppress(AlreadyExists):
        subscriber.create_subscription(request=request)


def _duration(seconds: float) -> duration_pb2.Duration:
    whole = int(seconds)
    return duration_pb2.Duration(seconds=whole, nanos=int((seconds - whole) * 1e9))
