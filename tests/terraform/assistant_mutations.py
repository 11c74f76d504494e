"""Breakages of the DM-opened route (ingress -> assistant-events -> responder) and the DM's
loading status and prompts, each of which a check must report."""

from __future__ import annotations

from tests.terraform.hcl_model import Model, first
from tests.terraform.wiring import FUNCTION, environment, functions

__all__ = ["ASSISTANT_MUTATIONS"]


def _env(m: Model, entry_point: str) -> dict:
    function = m.resources[FUNCTION][functions(m)[entry_point][0]]
    return environment(m, first(function, "service_config"))


def _no_push(m: Model) -> None:
    del m.resources["google_pubsub_subscription"]["assistant_events_push"]


def _ingress_cannot_publish(m: Model) -> None:
    del m.resources["google_pubsub_topic_iam_member"]["ingress_publisher"]["for_each"][
        "assistant_events"
    ]


def _no_topic_for_ingress(m: Model) -> None:
    del _env(m, "ingress")["ASSISTANT_EVENTS_TOPIC"]


def _no_prompts_for_responder(m: Model) -> None:
    del _env(m, "responder")["SUGGESTED_PROMPTS"]


def _other_loading_messages(m: Model) -> None:
    m.variables["loading_messages"]["default"] = ["Working…"]


def _agent_cannot_dead_letter(m: Model) -> None:
    del m.resources["google_pubsub_topic_iam_member"]["pubsub_agent_dead_letter_publisher"][
        "for_each"
    ]["assistant"]


ASSISTANT_MUTATIONS = [
    ("push subscriptions", _no_push, "assistant_events: 0 push subscriptions"),
    (
        "grants",
        _ingress_cannot_publish,
        "sa:ingress lacks roles/pubsub.publisher on google_pubsub_topic.assistant_events",
    ),
    ("function env", _no_topic_for_ingress, "ingress: ASSISTANT_EVENTS_TOPIC is read by the code"),
    ("function env", _no_prompts_for_responder, "responder: SUGGESTED_PROMPTS is read by the code"),
    ("defaults match code", _other_loading_messages, "LOADING_MESSAGES defaults to"),
    (
        "dead-letter IAM",
        _agent_cannot_dead_letter,
        "the Pub/Sub service agent cannot publish to google_pubsub_topic.assistant_events_dead",
    ),
]
