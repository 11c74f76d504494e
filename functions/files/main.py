"""Pub/Sub push endpoint for the `uploads` topic: mirror a mention's files, then pass it on.

The mention continues to the `mentions` topic, with the same ordering key, carrying one file
reference per attachment. 2xx acks; 503 asks Pub/Sub to redeliver (Slack or Cloud Storage had
a transient failure); 400 sends an unusable message to the dead-letter topic.
"""

from __future__ import annotations

import functools
import logging
from functools import cache

import functions_framework
from google.api_core.exceptions import GoogleAPIError

from assistant.config import get_settings
from assistant.files.download import TransientDownloadError, file_info
from assistant.files.isolation import ExtractionLimits, IsolatedExtractor
from assistant.files.mirror import FileMirror
from assistant.files.store import BucketStore, storage_client
from assistant.logs import configure_logging
from assistant.mention import Mention
from assistant.pubsub.endpoint import push_endpoint
from assistant.pubsub.envelope import PushMessage
from assistant.pubsub.outcome import is_last_attempt
from assistant.pubsub.publish import publish_mention
from assistant.slack.reply import slack_client

logger = logging.getLogger("files")


@cache
def _mirror() -> FileMirror:
    settings = get_settings()
    configure_logging(settings.log_level)
    client = storage_client(settings.google_cloud_project)
    slack = slack_client(settings.slack_bot_token, settings.slack_api_url)
    return FileMirror(
        settings,
        store=BucketStore(client, settings.files_bucket),
        lookup=functools.partial(file_info, slack),
        extract=IsolatedExtractor(ExtractionLimits(cpu_seconds=settings.extract_cpu_seconds)),
    )


@functions_framework.http
@push_endpoint(_mirror, logger=logger)
def files(mirror: FileMirror, push: PushMessage, mention: Mention) -> tuple[str, int]:
    settings = get_settings()
    last_attempt = is_last_attempt(
        reported=push.delivery_attempt, max_attempts=settings.max_delivery_attempts
    )
    try:
        refs = mirror.mirror(mention, last_attempt=last_attempt)
        publish_mention(
            project=settings.google_cloud_project,
            topic=settings.mentions_topic,
            mention=mention.with_file_refs(refs),
        )
    except (TransientDownloadError, GoogleAPIError, TimeoutError) as error:
        logger.warning(
            "files not mirrored yet; retry",
            extra={"event_id": mention.event_id, "error": str(error)},
        )
        return "retry", 503
    return "", 204
