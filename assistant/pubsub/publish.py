"""Publishing mentions to Pub/Sub with one ordering key per thread.

The client is created on first use, so importing this module needs no credentials.
"""

from __future__ import annotations

import threading
from functools import cache

from google.cloud import pubsub_v1

from assistant.mention import Mention

__all__ = ["publish_data", "publish_mention"]

_PUBLISH_TIMEOUT_SECONDS = 2.0  # Slack's ack deadline is 3 s; a slow publish must fail, not hang


@cache
def _client() -> pubsub_v1.PublisherClient:
    return pubsub_v1.PublisherClient(
        batch_settings=pubsub_v1.types.BatchSettings(max_latency=0.002),
        publisher_options=pubsub_v1.types.PublisherOptions(enable_message_ordering=True),
    )


_resume_lock = threading.Lock()


def publish_mention(*, project: str, topic: str, mention: Mention) -> str:
    """Publish and wait for the server's ack; returns the message id.

    Waiting is what makes the 200 to Slack mean "safely queued": if this raises, ingress answers
    500 and Slack retries.
    """
    client = _client()
    topic_path = client.topic_path(project, topic)
    future = client.publish(
        topic_path,
        mention.to_json(),
        ordering_key=mention.thread_key,
        event_id=mention.event_id,
    )
    try:
        return future.result(timeout=_PUBLISH_TIMEOUT_SECONDS)
    except Exception:
        # A failed publish pauses its ordering key until resumed; the retry from Slack needs it.
        with _resume_lock:
            client.resume_publish(topic_path, mention.thread_key)
        raise


def publish_data(*, project: str, topic: str, data: bytes, **attributes: str) -> str:
    """Publish one unordered message (e.g. a feedback click) and wait for the server's ack."""
    client = _client()
    future = client.publish(client.topic_path(project, topic), data, **attributes)
    return future.result(timeout=_PUBLISH_TIMEOUT_SECONDS)
