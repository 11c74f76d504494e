"""Publishing mentions to Pub/Sub with one ordering key per thread.

Each mention is one Publish call, made in the caller's thread, unbatched. Every caller
publishes a single message and waits for the server's ack before it answers (ingress's 200
means "safely queued"), so the client library's batching could only add to that wait: with
message ordering its batches are committed by a timer thread that first sleeps `max_latency`
(10 ms by default, even for one message), then by one more thread per batch. Calling the
client's Publish RPC directly costs about a quarter less CPU per ingress request and no sleep
(`nox -s bench`). Messages of one thread keep their order: the service orders by ordering key
in the order it accepts publishes, and a caller that gets an error (ingress answers 500, Slack
retries) has published nothing it must wait for.

The client is created on first use, so importing this module needs no credentials.
"""

from __future__ import annotations

from functools import cache

from google.api_core import exceptions, retry
from google.pubsub_v1 import PublisherClient, PubsubMessage

from assistant.mention import Mention

__all__ = ["publish_data", "publish_mention"]

_PUBLISH_TIMEOUT_SECONDS = 2.0  # Slack's ack deadline is 3 s; a slow publish must fail, not hang
# What the library retries a Publish on, within the same overall deadline. A retried publish
# may have succeeded before: the event id dedupes downstream, as for Slack's own retries.
_RETRY = retry.Retry(
    predicate=retry.if_exception_type(
        exceptions.Aborted,
        exceptions.DeadlineExceeded,
        exceptions.InternalServerError,
        exceptions.ResourceExhausted,
        exceptions.ServiceUnavailable,
        exceptions.Unknown,
    ),
    initial=0.05,
    maximum=0.5,
    multiplier=2.0,
    timeout=_PUBLISH_TIMEOUT_SECONDS,
)


@cache
def _client() -> PublisherClient:
    # The generated client, whose publish() is the RPC itself (google.cloud.pubsub_v1's
    # PublisherClient replaces it with the batching one); it honours PUBSUB_EMULATOR_HOST.
    return PublisherClient()


def publish_mention(*, project: str, topic: str, mention: Mention) -> str:
    """Publish and wait for the server's ack; returns the message id.

    Waiting is what makes the 200 to Slack mean "safely queued": if this raises, ingress answers
    500 and Slack retries.
    """
    client = _client()
    message = PubsubMessage(
        data=mention.to_json(),
        ordering_key=mention.thread_key,
        attributes={"event_id": mention.event_id},
    )
    response = client.publish(
        topic=client.topic_path(project, topic),
        messages=[message],
        retry=_RETRY,
        timeout=_PUBLISH_TIMEOUT_SECONDS,
    )
    return response.message_ids[0]


def publish_data(*, project: str, topic: str, data: bytes, **attributes: str) -> str:
    """Publish one unordered message (e.g. a feedback click) and wait for the server's ack."""
    client = _client()
    response = client.publish(
        topic=client.topic_path(project, topic),
        messages=[PubsubMessage(data=data, attributes=attributes)],
        retry=_RETRY,
        timeout=_PUBLISH_TIMEOUT_SECONDS,
    )
    return response.message_ids[0]
