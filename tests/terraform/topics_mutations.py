"""Ways to break the topics' wiring on purpose (tests/terraform/topics_checks.py must notice)."""

from __future__ import annotations

from tests.terraform.hcl_model import Model, first
from tests.terraform.wiring import environment, functions

__all__ = ["TOPICS_MUTATIONS"]

_SUBSCRIPTION = "google_pubsub_subscription"


def _push(m: Model, name: str) -> dict:
    return first(m.resources[_SUBSCRIPTION][name], "push_config")


def _move_feedback_path(m: Model) -> None:
    push = _push(m, "feedback_push")
    push["push_endpoint"] = push["push_endpoint"].replace("/feedback", "/votes")


def _order_knowledge(m: Model) -> None:
    m.resources[_SUBSCRIPTION]["knowledge_push"]["enable_message_ordering"] = True


def _add_topic(m: Model) -> None:
    m.resources["google_pubsub_topic"]["reminders"] = {"name": "${var.name_prefix}-reminders"}


def _drop_subscription(m: Model) -> None:
    del m.resources[_SUBSCRIPTION]["assistant_events_push"]


def _dead_letter_elsewhere(m: Model) -> None:
    policy = first(m.resources[_SUBSCRIPTION]["uploads_push"], "dead_letter_policy")
    policy["dead_letter_topic"] = "${google_pubsub_topic.mentions_dead_letter.id}"


def _files_publish_to_uploads(m: Model) -> None:
    _, body = functions(m)["files"]
    env = environment(m, first(body, "service_config"))
    env["MENTIONS_TOPIC"] = "${google_pubsub_topic.uploads.name}"


TOPICS_MUTATIONS = [
    ("topics", _move_feedback_path, "at path /votes, not /feedback"),
    ("topics", _order_knowledge, "enable_message_ordering is True, the table says False"),
    ("topics", _add_topic, "google_pubsub_topic.reminders is in no row"),
    ("topics", _drop_subscription, "assistant-events: 0 push subscriptions"),
    ("topics", _dead_letter_elsewhere, "dead-letters to google_pubsub_topic.mentions_dead_letter"),
    ("topics", _files_publish_to_uploads, "files: MENTIONS_TOPIC is"),
]
